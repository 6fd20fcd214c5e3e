using Tood.Realtime.Coco;
using Tood.Realtime.Validation;
using Xunit;

namespace Tood.Tests.Realtime.Validation;

/// <summary>Model classes ↔ data categories by name (any case), selection, and the "no shared class" line.</summary>
public class ClassMappingTests
{
    private static readonly CocoCategory[] Data =
    [
        new() { Id = 3, Name = "car" }, new() { Id = 1, Name = "person" }, new() { Id = 5, Name = "dog" },
    ];

    [Fact]
    public void Classes_match_by_name_ignoring_case_with_the_data_category_ids()
    {
        var m = ClassMapping.Match(["Person", "zebra", "CAR"], Data);
        Assert.Equal([new SharedClass(0, 1, "person", "Person"), new SharedClass(2, 3, "car", "CAR")], m.Shared);
        Assert.Equal(["zebra"], m.ModelOnly);
        Assert.Equal(["dog"], m.DataOnly);
        Assert.Equal("2 classes evaluated (person, car); model classes not in the data, dropped: zebra; data classes not in the model, left out: dog", m.Describe());
    }

    [Fact]
    public void Restrict_keeps_the_named_shared_classes_and_names_the_side_that_lacks_one()
    {
        var m = ClassMapping.Match(["person", "zebra", "car"], Data);
        var only = m.Restrict(["CAR"]);
        Assert.Equal([new SharedClass(2, 3, "car", "car")], only.Shared);
        Assert.Equal(["person"], only.Unselected);
        Assert.Equal(only.Shared, m.Restrict(["2"]).Shared); // a model class index
        Assert.Equal(m.Shared, m.Restrict(["car", "person", "Car"]).Shared); // model class order, no repeats
        Assert.Equal("'dog' is a class of the data but not of the model (person, car, zebra)", Assert.Throws<ArgumentException>(() => m.Restrict(["dog"])).Message);
        Assert.Equal("'zebra' is a class of the model but not of the data (person, car, dog)", Assert.Throws<ArgumentException>(() => m.Restrict(["zebra"])).Message);
        Assert.Equal("'cow' is a class of neither the model nor the data (shared classes: person, car)", Assert.Throws<ArgumentException>(() => m.Restrict(["cow"])).Message);
    }

    [Fact]
    public void Renamed_classes_pair_a_model_name_with_a_data_name()
    {
        var m = ClassMapping.Match(["motorbike", "car", "square"], Data, new Dictionary<string, string> { ["square"] = "dog" });
        Assert.Equal([new SharedClass(1, 3, "car", "car"), new SharedClass(2, 5, "dog", "square")], m.Shared);
        Assert.Equal(["motorbike"], m.ModelOnly);
        Assert.Equal(["person"], m.DataOnly);
        Assert.Equal("2 classes evaluated (car, square=dog); model classes not in the data, dropped: motorbike; data classes not in the model, left out: person", m.Describe());
        Assert.Equal([new SharedClass(2, 5, "dog", "square")], m.Restrict(["square"]).Shared); // by the model's name too
        Assert.Equal("'circle' is not a class of the model (motorbike, car, square)",
            Assert.Throws<ArgumentException>(() => ClassMapping.Match(["motorbike", "car", "square"], Data, new Dictionary<string, string> { ["circle"] = "dog" })).Message);
        Assert.Equal("'motorcycle' is not a class of the data (car, person, dog)",
            Assert.Throws<ArgumentException>(() => ClassMapping.Match(["motorbike"], Data, new Dictionary<string, string> { ["motorbike"] = "motorcycle" })).Message);
    }

    [Fact]
    public void No_shared_class_is_one_line_listing_both_sides()
    {
        var m = ClassMapping.Match(["circle", "square", "triangle"], Data);
        Assert.Empty(m.Shared);
        var e = Assert.Throws<InvalidDataException>(() => m.EnsureShared("shapes.onnx", "data.yaml (val)"));
        Assert.Equal("model shapes.onnx and data data.yaml (val) share no class (matched by name, any case): the model has circle, square, triangle; the data has person, car, dog", e.Message);
        ClassMapping.Match(["dog"], Data).EnsureShared("m", "d"); // one shared class is enough
    }
}
