namespace Tood.Train.Data.Synth;

/// <summary>Motion scripts of <see cref="SynthVideo"/> (<c>tood-train synth --scene</c>).</summary>
public enum SynthScene
{
    /// <summary>2–6 shapes inside the frame for the whole video, bouncing off the borders and overlapping freely.</summary>
    Bounce,
    /// <summary>
    /// A multi-object-tracking script: shapes enter from outside, cross the frame on slightly curved paths and
    /// leave; pairs are sent to meet at one point at one time (crossings with full occlusion of the one drawn
    /// below), and slow "loiterers" sit under the traffic.
    /// </summary>
    Crossing,
}

/// <summary>One shape of a frame with its stable track ID (ground truth identity).</summary>
public readonly record struct SceneShape(int TrackId, SynthShape Shape);

/// <summary>Shapes of each frame, in drawing order (later ones on top). Frames are asked for in order 0, 1, 2, …</summary>
internal interface ISceneScript
{
    void ShapesAt(int frame, List<SceneShape> shapes);
}
