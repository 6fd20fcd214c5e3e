using Tood.CommandLine;
using Tood.Train;
using Tood.Train.Model;
using TorchSharp;
using Xunit;

namespace Tood.Tests.Model;

public class CliAndDeviceTests
{
    [Fact]
    public void Device_auto_and_cpu_resolve_and_cuda_without_backend_is_a_usage_error()
    {
        Assert.Equal(DeviceType.CPU, DeviceSelector.Resolve("cpu").type);
        var auto = DeviceSelector.Resolve("auto");
        Assert.Equal(torch.cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU, auto.type);
        if (!torch.cuda.is_available())
            Assert.Equal(DeviceSelector.CudaMissing, Assert.Throws<UsageException>(() => DeviceSelector.Resolve("cuda")).Message);
        Assert.Contains("'gpu'", Assert.Throws<UsageException>(() => DeviceSelector.Resolve("gpu")).Message);
    }

    [Fact]
    public async Task Dispatcher_finds_info_and_rejects_unknown_commands_and_options_with_exit_2()
    {
        Assert.Contains("info", Tood.Train.Cli.TrainCli.Create().Root.Subcommands.Select(c => c.Name));
        Assert.Equal(2, await Program.RunAsync(["no-such-command"]));
        Assert.Equal(2, await Program.RunAsync(["info", "--preset", "tiny", "--bogus", "1"]));
        Assert.Equal(2, await Program.RunAsync(["info", "--preset", "r34"]));
        Assert.Equal(0, await Program.RunAsync(["info", "--preset", "tiny", "--classes", "3"]));
    }
}
