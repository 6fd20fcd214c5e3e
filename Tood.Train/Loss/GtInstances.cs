using static TorchSharp.torch;

namespace Tood.Train.Loss;

/// <summary>Ground truth of one image: boxes [G,4] (x1,y1,x2,y2) pixels and labels [G] (0..K−1). G may be 0.</summary>
public sealed record GtInstances(Tensor Boxes, Tensor Labels);
