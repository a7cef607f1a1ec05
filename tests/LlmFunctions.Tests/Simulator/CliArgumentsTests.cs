using LlmFunctions.Simulator;
using static LlmFunctions.Tests.Simulator.SimulatorTestHost;

namespace LlmFunctions.Tests.Simulator;

public sealed class CliArgumentsTests
{
    [Fact]
    public void Parse_ScenarioAndPort_ReadsBoth()
    {
        var path = RepoFile("scenarios/healthy.json");

        var cli = CliArguments.Parse(["--scenario", path, "--port", "7100", "--seed", "5"], out var error);

        Assert.Null(error);
        Assert.Equal(new CliArguments(path, 7100, 5), cli);
    }

    [Theory]
    [InlineData(new[] { "--port", "abc" }, "--port")]
    [InlineData(new[] { "--scenario", "missing-file.json" }, "--scenario")]
    [InlineData(new[] { "--verbose" }, "--verbose")]
    [InlineData(new string[0], "--scenario")]
    [InlineData(new[] { "--port" }, "--port")]
    public void Parse_BadArguments_NamesTheOption(string[] args, string option)
    {
        var cli = CliArguments.Parse(args, out var error);

        Assert.Null(cli);
        Assert.Contains(option, error, StringComparison.Ordinal);
    }
}
