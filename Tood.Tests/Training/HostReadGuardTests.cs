using System.Text.RegularExpressions;
using Xunit;

namespace Tood.Tests.Training;

/// <summary>
/// The training step must not copy device values to the host except through <c>HostReads</c> (counted, once per
/// logging interval; <c>TrainerTests.Host_reads_are_one_per_logging_interval_plus_one_per_epoch</c>). A CPU run
/// cannot observe a stray synchronisation (there is no device to wait for), so this guards the source of every
/// file on the step path against the calls that synchronise: item(), data(), cpu(), nonzero (a data-dependent
/// shape), the Tensor→scalar conversions, masked_select, and TorchSharp's clip_grad_norm_ (it returns the norm
/// as a double).
/// </summary>
public partial class HostReadGuardTests
{
    private static readonly string[] StepPath =
    [
        "Training/Trainer.cs", "Training/Trainer.EpochLoop.cs", "Training/Trainer.EpochEnd.cs", "Training/TrainRun.cs", "Training/EpochState.cs",
        "Training/StepRunner.cs", "Training/StepMonitor.cs", "Training/GradClip.cs", "Training/BatchGroups.cs",
        "Loss/ToodLoss.cs", "Loss/LossNormalisers.cs", "Loss/BatchAssignment.cs", "Loss/QualityFocalLoss.cs", "Loss/FocalLoss.cs",
        "Loss/GIoULoss.cs", "Loss/CenternessLoss.cs",
        "Assign/TaskAlignedAssigner.cs", "Assign/AtssAssigner.cs", "Assign/BoxOps.cs",
        "Model/ToodDetector.cs", "Model/ResNet.cs", "Model/Fpn.cs", "Model/THead.cs", "Model/ParallelHead.cs", "Model/TaskDecomposition.cs",
        "Model/ConvModule.cs", "Model/ChannelPaddedConv.cs", "Model/BoxAlignment.cs", "Model/HeadMath.cs", "Model/DetectorOutput.cs",
        "Model/Priors.cs", "Common/Shapes.cs",
    ];

    [GeneratedRegex(@"\.item<|\.data<|\.cpu\(|nonzero\(|\.To(Single|Double|Int32|Int64|Boolean)\(|masked_select\(|clip_grad_norm_\(")]
    private static partial Regex Synchronising();

    [Fact]
    public void Step_path_files_have_no_host_synchronising_call()
    {
        var offenders = new List<string>();
        foreach (var file in StepPath)
        {
            var path = RepoPaths.Path("Tood.Train", file);
            Assert.True(File.Exists(path), $"{path} is listed but missing");
            var lines = File.ReadAllLines(path);
            for (int i = 0; i < lines.Length; i++)
            {
                var code = lines[i].Split("//")[0];   // comments may name the calls
                if (Synchronising().IsMatch(code)) offenders.Add($"{file}:{i + 1}: {lines[i].Trim()}");
            }
        }
        Assert.Empty(offenders);
    }

    [Fact]
    public void The_guard_recognises_each_synchronising_call()
    {
        foreach (var call in new[] { "x.item<float>()", "t.data<long>()", "t.cpu()", "m.nonzero()", "t.ToSingle()", "t.ToBoolean()", "a.masked_select(m)", "torch.nn.utils.clip_grad_norm_(ps, 1)" })
            Assert.Matches(Synchronising(), call);
        Assert.DoesNotMatch(Synchronising(), "var items = t.sum(); cpuCount++;");
    }
}
