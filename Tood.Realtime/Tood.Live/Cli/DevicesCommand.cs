using System.CommandLine;
using Tood.CommandLine;
using Tood.Realtime.Devices;

namespace Tood.Live.Cli;

/// <summary><c>tood-live devices</c>: what this machine and build can run on (<see cref="DeviceReport"/>).</summary>
internal sealed class DevicesCommand() : ToolCommand("devices", "what this machine can run on: ONNX Runtime release, execution providers, DXGI adapters (Windows)")
{
    protected override Task<int> ExecuteAsync(ParseResult parse, CliConsole console, CancellationToken cancellationToken)
    {
        console.Out.Write(DeviceReport.Collect().ToString());
        return Task.FromResult(ExitCodes.Ok);
    }
}
