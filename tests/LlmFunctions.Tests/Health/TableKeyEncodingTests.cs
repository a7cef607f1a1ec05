using LlmFunctions.Health;

namespace LlmFunctions.Tests.Health;

public sealed class TableKeyEncodingTests
{
    [Theory]
    [InlineData("meta-llama/Llama-3.1-8B-Instruct")]
    [InlineData("@cf/meta/llama-3.1-8b-instruct")]
    [InlineData("accounts/fireworks/models/x:free")]
    [InlineData("plain-model")]
    [InlineData("")]
    [InlineData("back\\slash#hash?query%percent~tilde")]
    [InlineData("ctrl\u0001\t\n\u007f\u009f-end")]
    [InlineData("~2F")]
    [InlineData("unicode-модель-模型")]
    public void Encode_ModelId_RoundTripsAndHoldsNoIllegalKeyCharacter(string model)
    {
        var key = TableKeyEncoding.Encode(model);

        Assert.Equal(model, TableKeyEncoding.Decode(key));
        Assert.DoesNotContain(key, c => c is '/' or '\\' or '#' or '?' || char.IsControl(c));
    }

    [Fact]
    public void Encode_SlashesAndColons_KeepsTheKeyReadable()
    {
        Assert.Equal("accounts~2Ffireworks~2Fmodels~2Fx:free", TableKeyEncoding.Encode("accounts/fireworks/models/x:free"));
        Assert.Equal("@cf~2Fmeta~2Fllama-3.1-8b-instruct", TableKeyEncoding.Encode("@cf/meta/llama-3.1-8b-instruct"));
    }

    [Theory]
    [InlineData("bad~")]
    [InlineData("bad~2")]
    [InlineData("bad~ZZ")]
    public void Decode_MalformedEscape_Throws(string key)
    {
        Assert.Throws<FormatException>(() => TableKeyEncoding.Decode(key));
    }
}
