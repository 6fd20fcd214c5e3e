using Tood.Train.Data.Synth;

namespace Tood.Tests.Data;

/// <summary>A temp dir with small synthetic <c>train/</c> and <c>val/</c> COCO splits (64 px) for short real training runs.</summary>
public sealed class SynthSplits : IDisposable
{
    public TempDir Dir { get; } = new();

    public SynthSplits(int trainSeed, int valSeed, int trainImages = 8, int valImages = 4, int size = 64)
    {
        new SynthGenerator(trainSeed, size, size).WriteDataset(Dir["train"], trainImages);
        new SynthGenerator(valSeed, size, size).WriteDataset(Dir["val"], valImages);
    }

    public string this[string name] => Dir[name];

    public void Dispose() => Dir.Dispose();
}
