using System.Globalization;
using System.Text;
using OpenCvSharp;

namespace Tood.Realtime.Video.Ffmpeg;

/// <summary>
/// Reads a YUV4MPEG2 stream (ffmpeg's <c>-f yuv4mpegpipe -pix_fmt yuv420p</c>) and converts each frame to BGR.
/// Y4M is self-describing — a one-line text header with width, height and frame rate, then "FRAME" + planes —
/// so one ffmpeg process both probes and decodes the stream (no second connection for ffprobe, and no log
/// parsing to learn the frame size).
/// </summary>
internal sealed class Y4mReader : IDisposable
{
    private readonly Stream _stream;
    private readonly Mat _i420;
    private readonly byte[] _line = new byte[1024];

    public int Width { get; }
    public int Height { get; }
    /// <summary>Frames per second from the header's F field (0 when the stream does not say).</summary>
    public double Fps { get; }

    private Y4mReader(Stream stream, int width, int height, double fps)
    {
        _stream = stream; Width = width; Height = height; Fps = fps;
        _i420 = new Mat(height * 3 / 2, width, MatType.CV_8UC1);
    }

    /// <summary>Reads the header; null when the stream ends before one (ffmpeg failed to open its input).</summary>
    /// <exception cref="InvalidDataException">not a 4:2:0 Y4M stream with even dimensions.</exception>
    public static Y4mReader? Open(Stream stream)
    {
        var buffered = new BufferedStream(stream, 1 << 16);
        var header = ReadLine(buffered, new byte[1024]);
        if (header is null) return null;
        var fields = header.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length == 0 || fields[0] != "YUV4MPEG2") throw new InvalidDataException($"not a YUV4MPEG2 stream: '{header}'");
        int w = 0, h = 0;
        double fps = 0;
        string colour = "420jpeg";
        foreach (var f in fields.Skip(1))
        {
            switch (f[0])
            {
                case 'W': w = int.Parse(f.AsSpan(1), CultureInfo.InvariantCulture); break;
                case 'H': h = int.Parse(f.AsSpan(1), CultureInfo.InvariantCulture); break;
                case 'C': colour = f[1..]; break;
                case 'F':
                    var r = f[1..].Split(':');
                    if (r.Length == 2 && double.TryParse(r[0], CultureInfo.InvariantCulture, out var num) && double.TryParse(r[1], CultureInfo.InvariantCulture, out var den) && den > 0)
                        fps = num / den;
                    break;
            }
        }
        if (!colour.StartsWith("420", StringComparison.Ordinal)) throw new InvalidDataException($"Y4M colour space C{colour}: expected 4:2:0 (ffmpeg -pix_fmt yuv420p)");
        if (w <= 0 || h <= 0 || w % 2 != 0 || h % 2 != 0) throw new InvalidDataException($"Y4M frame size {w}x{h}: expected even, positive dimensions");
        return new Y4mReader(buffered, w, h, fps);
    }

    /// <summary>The next frame as a new BGR Mat (caller disposes), or null at the end of the stream (a truncated last frame also ends it).</summary>
    public Mat? Read()
    {
        if (!ReadPlanes()) return null;
        var bgr = new Mat();
        Cv2.CvtColor(_i420, bgr, ColorConversionCodes.YUV2BGR_I420);
        return bgr;
    }

    /// <summary>Consumes one frame without converting it; false at the end.</summary>
    public bool Skip() => ReadPlanes();

    private unsafe bool ReadPlanes()
    {
        var marker = ReadLine(_stream, _line);
        if (marker is null) return false;
        if (!marker.StartsWith("FRAME", StringComparison.Ordinal)) throw new InvalidDataException($"Y4M: expected FRAME, got '{marker}'");
        var planes = new Span<byte>((void*)_i420.Data, Width * Height * 3 / 2);
        return _stream.ReadAtLeast(planes, planes.Length, throwOnEndOfStream: false) == planes.Length;
    }

    private static string? ReadLine(Stream s, byte[] buffer)
    {
        int n = 0;
        while (true)
        {
            int b = s.ReadByte();
            if (b < 0) return null;
            if (b == '\n') return Encoding.ASCII.GetString(buffer, 0, n);
            if (n == buffer.Length) throw new InvalidDataException("Y4M: header line too long");
            buffer[n++] = (byte)b;
        }
    }

    public void Dispose()
    {
        _i420.Dispose();
        _stream.Dispose();
    }
}
