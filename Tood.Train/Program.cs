using Tood.Realtime.Cli;
using Tood.Train.Cli;

namespace Tood.Train;

public static class Program
{
    private static readonly HashSet<string> Flags = ["resume", "help"];

    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            Console.Error.WriteLine("usage: tood-train <synth|train|eval> [options]");
            Console.Error.WriteLine("  " + SynthCommand.Usage);
            return args.Length == 0 ? 2 : 0;
        }
        try
        {
            var a = new ArgParser(args.Skip(1), Flags);
            return args[0] switch
            {
                "synth" => SynthCommand.Run(a),
                _ => throw new UsageException($"unknown command '{args[0]}' (expected synth, train or eval)"),
            };
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"tood-train: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is InvalidDataException or FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            Console.Error.WriteLine($"tood-train: {e.Message}");
            return 1;
        }
    }
}
