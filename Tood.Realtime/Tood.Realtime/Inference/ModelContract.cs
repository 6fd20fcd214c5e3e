namespace Tood.Realtime.Inference;

/// <summary>
/// The ONNX graph contract between <c>tood-train export</c> and the runtime (README: "ONNX contract").
/// Input <see cref="InputName"/>: uint8 [N,H,W,3] BGR, already letterboxed (see <see cref="Letterbox"/>).
/// Outputs <see cref="BoxesName"/>: float32 [N,A,4] x1,y1,x2,y2 in input pixels (after T-Head alignment);
/// <see cref="ScoresName"/>: float32 [N,A,K] aligned scores sqrt(sigmoid(cls)·sigmoid(M)).
/// Anchors A are all levels P3..P7 concatenated, each row-major.
/// </summary>
public static class ModelContract
{
    public const string InputName = "images";
    public const string BoxesName = "boxes";
    public const string ScoresName = "scores";

    /// <summary>Version of this contract; bump on any incompatible change.</summary>
    public const string FormatVersion = "1";

    /// <summary>metadata_props keys.</summary>
    public static class Keys
    {
        public const string FormatVersion = "tood.format_version";
        public const string ClassNames = "tood.class_names";        // JSON array of strings
        public const string CategoryIds = "tood.category_ids";      // JSON array of ints (COCO category id per class index)
        public const string InputWidth = "tood.input_width";        // int
        public const string InputHeight = "tood.input_height";      // int
        public const string Strides = "tood.strides";               // "8,16,32,64,128"
        public const string Mean = "tood.mean";                     // RGB, "123.675,116.28,103.53"
        public const string Std = "tood.std";                       // RGB, "58.395,57.12,57.375"
        public const string Preset = "tood.preset";                 // tiny | r18 | r50
        public const string NumClasses = "tood.num_classes";        // int
        public const string Letterbox = "tood.letterbox";           // "top-left;pad=104,116,124"
        public const string TrainingData = "tood.training_data";    // free text summary
        public const string ExporterVersion = "tood.exporter_version";
        public const string Precision = "tood.precision";           // fp32 | fp16 | int8
        public const string Quantization = "tood.quantization";     // int8 only: what is int8 and what stays float
        public const string Calibration = "tood.calibration";       // int8 only: method, images, data source
        public const string QuantizedFrom = "tood.quantized_from";  // int8 of an ONNX file: "name sha256=hex" of that file
        public const string BatchMode = "tood.batch";               // "dynamic" or a fixed int
    }

    /// <summary>ImageNet RGB mean/std used by every preset (spec §5).</summary>
    public static readonly float[] DefaultMean = [123.675f, 116.28f, 103.53f];
    public static readonly float[] DefaultStd = [58.395f, 57.12f, 57.375f];

    public static readonly int[] DefaultStrides = [8, 16, 32, 64, 128];
}
