using System.Globalization;
using OpenCvSharp;

namespace Tood.Realtime.Video;

/// <summary>
/// The capture mode asked of a camera (<c>--width --height --fps --fourcc --backend</c>); null members leave
/// the driver's default. A camera may grant something else: <see cref="Negotiated"/> reads back what it did.
/// </summary>
public sealed record CameraMode
{
    public int? Width { get; init; }
    public int? Height { get; init; }
    public double? Fps { get; init; }
    /// <summary>Pixel format as four characters, e.g. MJPG (USB cameras deliver high resolutions at full rate only compressed) or YUYV.</summary>
    public string? FourCC { get; init; }
    public VideoCaptureAPIs Backend { get; init; } = VideoCaptureAPIs.ANY;

    /// <summary>Backend names accepted by <c>--backend</c>.</summary>
    public static readonly IReadOnlyDictionary<string, VideoCaptureAPIs> Backends = new Dictionary<string, VideoCaptureAPIs>(StringComparer.OrdinalIgnoreCase)
    {
        ["any"] = VideoCaptureAPIs.ANY, ["v4l2"] = VideoCaptureAPIs.V4L2, ["dshow"] = VideoCaptureAPIs.DSHOW,
        ["msmf"] = VideoCaptureAPIs.MSMF, ["avfoundation"] = VideoCaptureAPIs.AVFOUNDATION,
        ["gstreamer"] = VideoCaptureAPIs.GSTREAMER, ["ffmpeg"] = VideoCaptureAPIs.FFMPEG,
    };

    /// <exception cref="FormatException">not a known backend name.</exception>
    public static VideoCaptureAPIs ParseBackend(string name) =>
        Backends.TryGetValue(name, out var api) ? api : throw new FormatException($"--backend must be {string.Join("|", Backends.Keys)}, got '{name}'");

    /// <summary>The <c>--backend</c> name of <see cref="Backend"/> (enum names are ambiguous: V4L and V4L2 share a value).</summary>
    public string BackendName => Backends.FirstOrDefault(kv => kv.Value == Backend).Key ?? Backend.ToString();

    public bool IsDefault => Width is null && Height is null && Fps is null && FourCC is null && Backend == VideoCaptureAPIs.ANY;

    /// <exception cref="ArgumentException">a size or rate that is not positive, or a FOURCC that is not 4 characters.</exception>
    public void Validate()
    {
        if (Width is <= 0) throw new ArgumentException($"--width must be ≥ 1, got {Width}");
        if (Height is <= 0) throw new ArgumentException($"--height must be ≥ 1, got {Height}");
        if (Fps is { } f && !(f > 0 && double.IsFinite(f))) throw new ArgumentException($"--fps must be > 0, got {f.ToString(CultureInfo.InvariantCulture)}");
        if (FourCC is { } c && (c.Length != 4 || c.Any(ch => ch is < ' ' or > '~')))
            throw new ArgumentException($"--fourcc must be 4 printable characters (e.g. MJPG, YUYV), got '{c}'");
    }

    /// <summary>Asks the opened capture for this mode. The pixel format goes first: V4L2 drivers pick the sizes and rates a format offers.</summary>
    public void ApplyTo(VideoCapture capture)
    {
        if (FourCC is { } c) capture.Set(VideoCaptureProperties.FourCC, FourCCValue(c));
        if (Width is { } w) capture.Set(VideoCaptureProperties.FrameWidth, w);
        if (Height is { } h) capture.Set(VideoCaptureProperties.FrameHeight, h);
        if (Fps is { } f) capture.Set(VideoCaptureProperties.Fps, f);
    }

    /// <summary>"requested 1280x720 @ 30 fps MJPG, got 640x480 @ 30 fps YUYV (backend V4L2)" — the mode the capture reports
    /// after <see cref="ApplyTo"/>, with the size of the first frame actually delivered.</summary>
    public string Negotiated(VideoCapture capture, int frameWidth, int frameHeight)
    {
        var inv = CultureInfo.InvariantCulture;
        string requested = IsDefault ? "driver default" :
            string.Join(" ", new[]
            {
                Width is not null || Height is not null ? $"{(Width?.ToString(inv) ?? "?")}x{(Height?.ToString(inv) ?? "?")}" : null,
                Fps is { } f ? string.Create(inv, $"@ {f:0.##} fps") : null,
                FourCC,
            }.Where(s => s is not null));
        double fps = capture.Get(VideoCaptureProperties.Fps);
        string got = string.Create(inv, $"{frameWidth}x{frameHeight} @ {(fps > 0 ? fps.ToString("0.##", inv) : "?")} fps {FourCCName(capture.Get(VideoCaptureProperties.FourCC))}");
        return $"requested {requested}, got {got} (backend {CaptureBackend(capture)})";
    }

    internal static int FourCCValue(string c) => OpenCvSharp.FourCC.FromFourChars(c[0], c[1], c[2], c[3]);

    /// <summary>The four characters of a FOURCC property value ("?" when the backend reports none).</summary>
    internal static string FourCCName(double value)
    {
        int v = (int)value;
        if (v == 0) return "?";
        Span<char> s = stackalloc char[4];
        for (int i = 0; i < 4; i++)
        {
            char ch = (char)((v >> (8 * i)) & 0xFF);
            s[i] = ch is >= ' ' and <= '~' ? ch : '?';
        }
        return s.ToString().TrimEnd();
    }

    private static string CaptureBackend(VideoCapture capture)
    {
        try { return capture.GetBackendName(); }
        catch (OpenCVException) { return "?"; }
    }
}
