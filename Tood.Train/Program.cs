using System.Reflection;
using Tood.CommandLine;
using Tood.Train.Cli;
using Tood.Train.Model;

namespace Tood.Train;

/// <summary><c>tood-train &lt;command&gt; [options]</c>: dispatches to the <see cref="ICommand"/> classes in Cli/.</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        // Before any tensor op; the command then runs on this (main) thread: see both classes.
        Training.NativeAllocator.Tune();
        return Training.MainThreadPump.Run(() => RunAsync(args));
    }

    /// <summary>The dispatcher itself (tests call it directly).</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var commands = DiscoverCommands();
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            Console.Out.WriteLine("usage: tood-train <command> [options]");
            foreach (var c in commands.Values.OrderBy(c => c.Name, StringComparer.Ordinal))
                Console.Out.WriteLine("  " + c.Usage);
            return args.Length == 0 ? 2 : 0;
        }
        if (!commands.TryGetValue(args[0], out var command))
        {
            Console.Error.WriteLine($"tood-train: unknown command '{args[0]}' (commands: {string.Join(", ", commands.Keys.Order(StringComparer.Ordinal))})");
            return 2;
        }
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
        try
        {
            return await command.RunAsync(args[1..], cts.Token);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"tood-train {command.Name}: {e.Message}");
            return 2;
        }
        catch (CheckpointException e)
        {
            Console.Error.WriteLine($"tood-train {command.Name}: {e.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine($"tood-train {command.Name}: cancelled");
            return 130;
        }
    }

    internal static Dictionary<string, ICommand> DiscoverCommands()
    {
        var result = new Dictionary<string, ICommand>(StringComparer.Ordinal);
        foreach (var t in typeof(Program).Assembly.GetTypes())
        {
            if (t.IsAbstract || t.IsInterface || !typeof(ICommand).IsAssignableFrom(t)) continue;
            if (t.GetConstructor(BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes) is null) continue;
            var c = (ICommand)Activator.CreateInstance(t)!;
            if (!result.TryAdd(c.Name, c))
                throw new InvalidOperationException($"two commands named '{c.Name}'");
        }
        return result;
    }
}
