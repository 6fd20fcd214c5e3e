using Tood.Train.Export.Quantize;
using Tood.Tests.Data;

namespace Tood.Tests.Export.Quantize;

/// <summary>
/// The shipped person model (samples/tood_r18_person.onnx, fp16 weights) as the tests quantize it: its fp32 graph and
/// its int8 graph calibrated as the shipped int8 file is (64 coco128 train2017 photos, minmax; the evaluation split,
/// val2017, is never calibrated on). Built once per test class (~30 s on 2 cores).
/// </summary>
public sealed class PersonInt8Fixture : IDisposable
{
    private readonly TempDir _dir = new();

    public PersonInt8Fixture()
    {
        var shipped = RepoPaths.Path("samples", "tood_r18_person.onnx");
        Fp32 = Int8Quantizer.WriteFloat32(shipped, _dir["person.fp32.onnx"]);
        Summary = Int8Quantizer.QuantizeFile(shipped, _dir["person.int8.onnx"], new QuantizeOptions
        {
            Calibration = Path.Combine(SharedData.Coco128, "data.yaml"),
            Split = "train",
            Images = 64,
        });
        Int8 = Summary.Path;
    }

    public string Fp32 { get; }
    public string Int8 { get; }
    public QuantizeSummary Summary { get; }

    public void Dispose() => _dir.Dispose();
}
