using Tood.Train.Model;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Tood.Train.Training;

/// <summary>
/// The SGD optimizer over the trainable parameters, in one group — or, with <see cref="TrainOptions.HeadLrMult"/> ≠ 1,
/// two: the backbone at the base learning rate and the neck + head at the multiple (a common small-data fine-tuning
/// rule: the ImageNet features need small steps, the freshly trained layers larger ones). <see cref="LrScales"/> holds
/// each group's multiple; <see cref="StepRunner"/> sets group i's rate to schedule(step) × LrScales[i].
/// </summary>
internal sealed record OptimizerGroups(SGD Optimizer, IReadOnlyList<Parameter> Parameters, IReadOnlyList<double> LrScales)
{
    public static OptimizerGroups Create(ToodDetector model, TrainOptions o)
    {
        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        if (o.HeadLrMult == 1)
            return new(optim.SGD(trainable, o.Lr, o.Momentum, 0, o.WeightDecay, false), trainable, [1.0]);

        var backbone = model.Backbone.parameters().Where(p => p.requires_grad).ToList();
        var inBackbone = backbone.Select(p => p.Handle).ToHashSet();
        var rest = trainable.Where(p => !inBackbone.Contains(p.Handle)).ToList();
        var groups = new[]
        {
            new SGD.ParamGroup(backbone, new SGD.Options { LearningRate = o.Lr }),
            new SGD.ParamGroup(rest, new SGD.Options { LearningRate = o.Lr * o.HeadLrMult }),
        };
        return new(optim.SGD(groups, o.Lr, o.Momentum, 0, o.WeightDecay, false), [.. backbone, .. rest], [1.0, o.HeadLrMult]);
    }
}
