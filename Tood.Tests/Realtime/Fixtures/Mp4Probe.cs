using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Tood.Tests.Realtime.Fixtures;

/// <summary>What ffprobe says about a video's first stream (frames counted by decoding them all), and the MP4 top-level box order.</summary>
internal sealed record Mp4Probe(string Codec, string CodecTag, string PixFmt, int Width, int Height, int Frames, double FrameRate, double Duration)
{
    public static Mp4Probe Of(string path)
    {
        var json = FfmpegCli.Run("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0",
            "-show_entries", "stream=codec_name,codec_tag_string,pix_fmt,width,height,nb_read_frames,r_frame_rate:format=duration", "-of", "json", path]);
        using var doc = JsonDocument.Parse(json);
        var s = doc.RootElement.GetProperty("streams")[0];
        var rate = s.GetProperty("r_frame_rate").GetString()!.Split('/');
        return new Mp4Probe(s.GetProperty("codec_name").GetString()!, s.GetProperty("codec_tag_string").GetString()!, s.GetProperty("pix_fmt").GetString()!,
            s.GetProperty("width").GetInt32(), s.GetProperty("height").GetInt32(), int.Parse(s.GetProperty("nb_read_frames").GetString()!, CultureInfo.InvariantCulture),
            double.Parse(rate[0], CultureInfo.InvariantCulture) / double.Parse(rate[1], CultureInfo.InvariantCulture),
            double.Parse(doc.RootElement.GetProperty("format").GetProperty("duration").GetString()!, CultureInfo.InvariantCulture));
    }

    /// <summary>Top-level MP4 box types in file order (e.g. ftyp, moov, free, mdat).</summary>
    public static List<string> TopLevelBoxes(string path)
    {
        var boxes = new List<string>();
        using var f = File.OpenRead(path);
        Span<byte> header = stackalloc byte[16];
        long offset = 0;
        while (offset + 8 <= f.Length)
        {
            f.Position = offset;
            f.ReadExactly(header[..8]);
            long size = BinaryPrimitives.ReadUInt32BigEndian(header);
            boxes.Add(System.Text.Encoding.ASCII.GetString(header[4..8]));
            if (size == 1) { f.ReadExactly(header[8..16]); size = (long)BinaryPrimitives.ReadUInt64BigEndian(header[8..]); }
            else if (size == 0) break; // to the end of the file
            if (size < 8) break;
            offset += size;
        }
        return boxes;
    }

    /// <summary>True when the moov box (the index a player needs) precedes mdat: the file plays while downloading.</summary>
    public static bool MoovFirst(string path)
    {
        var boxes = TopLevelBoxes(path);
        int moov = boxes.IndexOf("moov"), mdat = boxes.IndexOf("mdat");
        return moov >= 0 && mdat > moov;
    }
}
