using Tood.Realtime.Coco;

namespace Tood.Realtime.Validation;

/// <summary>One model class evaluated against the data category of the same name (or the one it was mapped to).</summary>
/// <param name="Name">The data's name (the ground truth is filtered by it).</param>
/// <param name="ModelName">The model's name of class <paramref name="ModelClass"/>.</param>
public readonly record struct SharedClass(int ModelClass, int CategoryId, string Name, string ModelName);

/// <summary>
/// Which of a model's classes are evaluated against which categories of a dataset. Classes are matched by name,
/// ignoring case: the category ids differ between formats for the same class (YOLO numbers classes from 0, COCO
/// json from 1, and the model's own <c>tood.category_ids</c> are its training data's), the names do not; names that
/// differ between datasets (VOC's motorbike is COCO's motorcycle) are paired explicitly. Model classes missing from the data are not evaluated (their detections are dropped), nor are data
/// categories the model lacks (their boxes are left out of the ground truth).
/// </summary>
public sealed record ClassMapping(IReadOnlyList<SharedClass> Shared, IReadOnlyList<string> ModelOnly, IReadOnlyList<string> DataOnly)
{
    /// <summary>Shared classes left out by <see cref="Restrict"/>.</summary>
    public IReadOnlyList<string> Unselected { get; init; } = [];

    /// <param name="rename">Pairs of names that differ (model class → data category, e.g. motorbike → motorcycle);
    /// the other classes match by their own names.</param>
    /// <exception cref="ArgumentException">a <paramref name="rename"/> entry whose model or data name does not exist.</exception>
    public static ClassMapping Match(IReadOnlyList<string> modelClasses, IReadOnlyList<CocoCategory> categories, IReadOnlyDictionary<string, string>? rename = null)
    {
        ArgumentNullException.ThrowIfNull(modelClasses);
        ArgumentNullException.ThrowIfNull(categories);
        var byName = new Dictionary<string, CocoCategory>(StringComparer.OrdinalIgnoreCase);
        foreach (var c in categories.OrderBy(c => c.Id)) byName.TryAdd(c.Name.Trim(), c);
        var target = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (from, to) in rename ?? new Dictionary<string, string>())
        {
            if (IndexOf(modelClasses, from.Trim()) < 0) throw new ArgumentException($"'{from}' is not a class of the model ({List(modelClasses)})");
            if (!byName.ContainsKey(to.Trim())) throw new ArgumentException($"'{to}' is not a class of the data ({List(categories.Select(c => c.Name))})");
            target[from.Trim()] = to.Trim();
        }
        var shared = new List<SharedClass>();
        var modelOnly = new List<string>();
        var used = new HashSet<int>();
        for (int i = 0; i < modelClasses.Count; i++)
        {
            var name = target.GetValueOrDefault(modelClasses[i].Trim(), modelClasses[i].Trim());
            if (byName.TryGetValue(name, out var c) && used.Add(c.Id)) shared.Add(new SharedClass(i, c.Id, c.Name, modelClasses[i]));
            else modelOnly.Add(modelClasses[i]);
        }
        var dataOnly = categories.OrderBy(c => c.Id).Where(c => !used.Contains(c.Id)).Select(c => c.Name).ToList();
        return new ClassMapping(shared, modelOnly, dataOnly);
    }

    /// <summary>Only the named classes: each a shared class by its data name, its model name or its model class index (any case).</summary>
    /// <exception cref="ArgumentException">a name the model or the data lacks, worded for the user.</exception>
    public ClassMapping Restrict(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var keep = new List<SharedClass>();
        foreach (var raw in names)
        {
            var name = raw.Trim();
            bool isIndex = int.TryParse(name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index);
            var found = Shared.Where(s => Same(s.Name, name) || Same(s.ModelName, name) || (isIndex && s.ModelClass == index)).ToList();
            if (found.Count > 0) { keep.AddRange(found.Where(f => !keep.Contains(f))); continue; }
            var shared = Shared.Select(s => s.Name);
            throw new ArgumentException(IndexOf(ModelOnly, name) >= 0 ? $"'{name}' is a class of the model but not of the data ({List(shared.Concat(DataOnly))})"
                : IndexOf(DataOnly, name) >= 0 ? $"'{name}' is a class of the data but not of the model ({List(Shared.Select(s => s.ModelName).Concat(ModelOnly))})"
                : $"'{name}' is a class of neither the model nor the data (shared classes: {List(shared)})");
        }
        keep.Sort((a, b) => a.ModelClass.CompareTo(b.ModelClass));
        return this with { Shared = keep, Unselected = [.. Unselected, .. Shared.Where(s => !keep.Contains(s)).Select(s => s.Name)] };
    }

    /// <summary>Throws the one-line "share no class" error when nothing can be evaluated.</summary>
    /// <exception cref="InvalidDataException">no shared class.</exception>
    public void EnsureShared(string model, string data)
    {
        if (Shared.Count == 0)
            throw new InvalidDataException($"model {model} and data {data} share no class (matched by name, any case): the model has {List(ModelOnly)}; the data has {List(DataOnly)}");
    }

    /// <summary>"3 classes evaluated (person, car, dog); ..." for the log.</summary>
    public string Describe() =>
        $"{Shared.Count} class{(Shared.Count == 1 ? "" : "es")} evaluated ({List(Shared.Select(s => Same(s.ModelName, s.Name.Trim()) ? s.Name : $"{s.ModelName}={s.Name}"))})" +
        (ModelOnly.Count > 0 ? $"; model classes not in the data, dropped: {List(ModelOnly)}" : "") +
        (DataOnly.Count > 0 ? $"; data classes not in the model, left out: {List(DataOnly)}" : "") +
        (Unselected.Count > 0 ? $"; not selected: {List(Unselected)}" : "");

    private static bool Same(string a, string b) => string.Equals(a.Trim(), b, StringComparison.OrdinalIgnoreCase);

    private static int IndexOf(IEnumerable<string> names, string name)
    {
        int i = 0;
        foreach (var n in names) { if (Same(n, name)) return i; i++; }
        return -1;
    }

    private static string List(IEnumerable<string> names)
    {
        var all = names.ToList();
        return all.Count == 0 ? "none" : all.Count <= 12 ? string.Join(", ", all) : $"{string.Join(", ", all.Take(12))}, … ({all.Count})";
    }
}
