using System.Text;

namespace Tood.Realtime.Sinks;

/// <summary>A UTF-8, LF-terminated text output written under a <see cref="PartialFile"/> name until complete.</summary>
public abstract class TextLineSink : IFrameSink
{
    private readonly PartialFile _file;
    private bool _done;

    protected TextLineSink(string path, string flag)
    {
        _file = new PartialFile(path, flag);
        Writer = new StreamWriter(_file.TempPath, false, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
    }

    protected StreamWriter Writer { get; }

    public abstract void Write(in ProcessedFrame frame);

    public void Complete()
    {
        if (_done) return;
        _done = true;
        Writer.Dispose();
        _file.Commit();
    }

    public void Abort()
    {
        if (_done) return;
        _done = true;
        Writer.Dispose();
        _file.Delete();
    }

    public void Dispose()
    {
        Complete();
        GC.SuppressFinalize(this);
    }
}
