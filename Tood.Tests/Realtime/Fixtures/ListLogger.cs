using Microsoft.Extensions.Logging;

namespace Tood.Tests.Realtime.Fixtures;

/// <summary>A logger factory that keeps every formatted message (and its level and category), for assertions on the
/// exact lines the tools print. Pipeline threads log concurrently, hence the lock.</summary>
public sealed class ListLogger : ILoggerFactory
{
    public sealed record Entry(LogLevel Level, string Category, string Message);

    private readonly List<Entry> _entries = [];

    /// <summary>The messages so far, in order (a snapshot).</summary>
    public List<string> Lines
    {
        get { lock (_entries) return [.. _entries.Select(e => e.Message)]; }
    }

    public IReadOnlyList<Entry> Entries
    {
        get { lock (_entries) return [.. _entries]; }
    }

    public void Clear()
    {
        lock (_entries) _entries.Clear();
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose() { }

    private sealed class Logger(ListLogger owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var entry = new Entry(logLevel, category, formatter(state, exception));
            lock (owner._entries) owner._entries.Add(entry);
        }
    }
}
