using Tood.Train.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Tood.Train.Training;

/// <summary>
/// Exponential moving average of the weights (<c>--ema</c>), the ModelEMA of YOLOX and Ultralytics: after optimizer
/// step k, every floating-point entry of the state dict (parameters and BN statistics) moves as
/// ema ← d_k·ema + (1 − d_k)·w with d_k = D·(1 − exp(−k/τ)); integer entries are copied. The ramp keeps the average
/// from dwelling on the first weights of a run (d_k ≈ k/τ while k ≪ τ). Validation, best.ckpt and the weights
/// that export/eval/--init read use the average; last.ckpt also carries the training weights for --resume.
/// </summary>
internal sealed class WeightEma : IDisposable
{
    private readonly double _decay, _tau;
    private readonly List<(Tensor Ema, Tensor Live)> _pairs;

    /// <summary>The averaged model (eval mode; never trained directly).</summary>
    public ToodDetector Model { get; }

    /// <param name="average">The model that holds the average: its current weights are the average's start.</param>
    public WeightEma(ToodDetector live, ToodDetector average, double decay, double tau)
    {
        (_decay, _tau, Model) = (decay, tau, average);
        Model.eval();
        var own = Model.state_dict();
        _pairs = [.. live.state_dict().Select(kv => (own[kv.Key], kv.Value))];
    }

    /// <summary>An average that starts at <paramref name="live"/>'s weights.</summary>
    public static WeightEma StartingAt(ToodDetector live, double decay, double tau, Device device)
    {
        var average = new ToodDetector(live.Config);
        average.to(device);
        var start = average.state_dict();
        using (no_grad())
            foreach (var (name, value) in live.state_dict()) start[name].copy_(value);
        return new WeightEma(live, average, decay, tau);
    }

    /// <summary>d_k of the update after optimizer step <paramref name="step"/> (1-based).</summary>
    public double DecayAt(long step) => _decay * (1 - Math.Exp(-step / _tau));

    public void Update(long step)
    {
        double d = DecayAt(step);
        using var _ = no_grad();
        foreach (var (ema, live) in _pairs)
        {
            if (ema.is_floating_point()) ema.mul_(d).add_(live, alpha: 1 - d);
            else ema.copy_(live);
        }
    }

    public void Dispose() => Model.Dispose();
}
