using OpenCvSharp;
using Tood.Realtime.Datasets;
using Tood.Realtime.Inference;
using Tood.Realtime.Preprocess;
using Tood.Realtime.Video.Images;

namespace Tood.Train.Export.Quantize;

/// <summary>
/// The calibration images, already letterboxed into the model's input exactly as deployment does it
/// (<see cref="LetterboxTarget"/>, the runtime's one letterbox), kept in memory as uint8 HWC BGR so the two
/// calibration passes decode each file once.
/// </summary>
/// <param name="Source">What was read, for messages and the model metadata ("data.yaml (train)", "frames/").</param>
/// <param name="Available">Images the source names (the set is an evenly spaced pick of them).</param>
/// <param name="Unreadable">Picked files that did not decode (skipped).</param>
internal sealed record CalibrationSet(string Source, IReadOnlyList<byte[]> Images, int Width, int Height, int Available, int Unreadable)
{
    /// <summary>
    /// Reads up to <paramref name="count"/> images of <paramref name="data"/>: a dataset (YOLO data.yaml or its folder,
    /// VOC folder; <paramref name="split"/> picks the split — calibrate on training images, never on the evaluation
    /// split) or images (a file, a folder, a glob). Evenly spaced over the sorted list, so a set of N covers the
    /// whole source rather than its first files.
    /// </summary>
    /// <exception cref="FileNotFoundException">the source does not exist (one line).</exception>
    /// <exception cref="InvalidDataException">it names no image, or none of the picked images decodes (one line).</exception>
    public static CalibrationSet Load(string data, string split, int count, int width, int height, Action<string>? log = null)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), "--calibration-images must be ≥ 1");
        var (paths, source) = Resolve(data, split);
        if (paths.Count == 0) throw new InvalidDataException($"calibration data {data}: no images in {source}");
        var picked = Pick(paths, count);
        var buffer = GC.AllocateArray<byte>(width * height * 3, pinned: true);
        var images = new List<byte[]>(picked.Count);
        int unreadable = 0;
        unsafe
        {
            fixed (byte* p = buffer)
            {
                using var target = new LetterboxTarget((nint)p, width, height);
                foreach (var path in picked)
                {
                    using var mat = Cv2.ImRead(path, ImreadModes.Color);
                    if (mat.Empty()) { unreadable++; log?.Invoke($"calibration: {path} is not a readable image, skipped"); continue; }
                    target.Write(mat);
                    images.Add(buffer.ToArray());
                }
            }
        }
        if (images.Count == 0)
            throw new InvalidDataException($"calibration data {data}: none of the {picked.Count} images picked from {source} is a readable image");
        return new CalibrationSet(source, images, width, height, paths.Count, unreadable);
    }

    private static (IReadOnlyList<string> Paths, string Source) Resolve(string data, string split)
    {
        if (!File.Exists(data) && !Directory.Exists(data) && !ImageInputs.IsPattern(data))
            throw new FileNotFoundException($"calibration data {data} not found", data);
        if (IsDataset(data))
        {
            var d = DetectionData.Load(data, split);
            var paths = d.Coco.Images.Select(i => Path.Combine(d.ImageDir, i.FileName)).Order(StringComparer.Ordinal).ToList();
            return (paths, d.Source);
        }
        try
        {
            var (images, dir) = ImageInputs.Resolve(data);
            return (images.Select(i => i.Path).ToList(), ImageInputs.IsPattern(data) ? data : dir);
        }
        catch (Tood.Realtime.Video.VideoSourceException e) { throw new InvalidDataException($"calibration data {e.Message}"); }
    }

    /// <summary>A dataset description rather than images: a .yaml/.yml/.json file, or a folder with a data.yaml or VOC layout.</summary>
    private static bool IsDataset(string data)
    {
        var ext = Path.GetExtension(data).ToLowerInvariant();
        if (ext is ".yaml" or ".yml" or ".json") return true;
        return Directory.Exists(data)
               && (File.Exists(Path.Combine(data, "data.yaml")) || File.Exists(Path.Combine(data, "data.yml")) || VocDataset.IsVocFolder(data));
    }

    private static List<string> Pick(IReadOnlyList<string> paths, int count)
    {
        if (count >= paths.Count) return [.. paths];
        return [.. Enumerable.Range(0, count).Select(k => paths[(int)((long)k * paths.Count / count)])];
    }

    /// <summary>The images as one tensor's memory ([N,H,W,3]) for batch <paramref name="batch"/> starting at image
    /// <paramref name="start"/>; a short last batch repeats its last image (a fixed-batch graph needs full batches).</summary>
    public void Fill(Span<byte> destination, int start, int batch)
    {
        int size = Width * Height * 3;
        for (int i = 0; i < batch; i++)
            Images[Math.Min(start + i, Images.Count - 1)].CopyTo(destination.Slice(i * size, size));
    }
}
