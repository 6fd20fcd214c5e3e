using Microsoft.Extensions.Logging;

namespace Tood.CommandLine;

/// <summary>
/// The tools' log: each message, from the library or the command, as one line "prefix: message" on the command's
/// error writer (<see cref="CliConsole.Error"/>, which tests capture), whatever its level or category — the lines
/// the tools have always printed.
/// </summary>
public sealed class CliLoggerProvider(TextWriter error, string prefix) : ILoggerProvider
{
    // Pipeline threads log concurrently and a test's StringWriter is not synchronised.
    private readonly Lock _write = new();

    /// <summary>A factory logging to <paramref name="console"/>'s error writer as <paramref name="prefix"/>
    /// ("tood-live", "tood-live val"); the command disposes it when it ends.</summary>
    public static ILoggerFactory CreateFactory(CliConsole console, string prefix)
    {
        ArgumentNullException.ThrowIfNull(console);
        return LoggerFactory.Create(b => b.AddProvider(new CliLoggerProvider(console.Error, prefix)));
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void Dispose() { }

    private void Write(string message)
    {
        lock (_write) error.WriteLine($"{prefix}: {message}");
    }

    private sealed class Logger(CliLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            if (IsEnabled(logLevel)) provider.Write(formatter(state, exception));
        }
    }
}
