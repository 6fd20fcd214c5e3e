using Tood.Train.Model;
using Tood.Train.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Tood.Tests.Training;

/// <summary>The weight average of <c>--ema</c>, against hand-computed updates.</summary>
public class WeightEmaTests
{
    [Fact]
    public void Each_update_moves_floats_by_the_ramped_decay_and_copies_integers()
    {
        using var scope = NewDisposeScope();
        using var live = new ToodDetector(ModelPresets.Tiny(2));
        using (no_grad())
            foreach (var (_, t) in live.state_dict()) if (t.is_floating_point()) t.fill_(2.0);
        using var ema = WeightEma.StartingAt(live, decay: 0.5, tau: 1, CPU);

        // d_1 = 0.5·(1 − e^−1) = 0.316060; d_2 = 0.5·(1 − e^−2) = 0.432332.
        Assert.Equal(0.5 * (1 - Math.Exp(-1)), ema.DecayAt(1), 12);
        using (no_grad())
            foreach (var (_, t) in live.state_dict()) { if (t.is_floating_point()) t.fill_(4.0); else t.fill_(7); }
        ema.Update(1);
        double first = 0.316060 * 2 + (1 - 0.316060) * 4;   // 3.367880
        using (no_grad())
            foreach (var (_, t) in live.state_dict()) if (t.is_floating_point()) t.fill_(0.0);
        ema.Update(2);
        double second = 0.432332 * first;                    // 1.456033

        int floats = 0, ints = 0;
        foreach (var (name, t) in ema.Model.state_dict())
        {
            if (t.is_floating_point())
            {
                floats++;
                Assert.True(Math.Abs(t.min().item<float>() - second) < 1e-5 && Math.Abs(t.max().item<float>() - second) < 1e-5,
                    $"{name}: [{t.min().item<float>()}, {t.max().item<float>()}], expected {second}");
            }
            else
            {
                ints++;
                Assert.Equal(7L, t.max().item<long>());
            }
        }
        Assert.True(floats > 50 && ints > 0, $"{floats} float and {ints} integer entries");
        Assert.All(live.state_dict().Where(kv => kv.Value.is_floating_point()), kv => Assert.Equal(0f, kv.Value.abs().max().item<float>()));
    }
}
