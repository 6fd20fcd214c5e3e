namespace Tood.CommandLine;

/// <summary>Exit codes shared by tood-live and tood-train (tood-train train also uses 3: non-finite loss).</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    /// <summary>Bad input found while running: missing/corrupt file, unavailable device, unwritable output.</summary>
    public const int Error = 1;
    /// <summary>Bad command line: one line on stderr naming the option.</summary>
    public const int Usage = 2;
    /// <summary>Stopped by Ctrl+C after finalising the outputs.</summary>
    public const int Interrupted = 130;
}
