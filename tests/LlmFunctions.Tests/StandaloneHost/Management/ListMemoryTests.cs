using System.Net;
using LlmFunctions.Tests.Infrastructure;
using Xunit.Abstractions;

namespace LlmFunctions.Tests.StandaloneHost.Management;

/// <summary>
/// A page listed with <c>showInput=false</c> must not read the instances' inputs: DTFx keeps each large input in a
/// blob and, when it reads the input column, downloads and decompresses every one of them.
/// </summary>
[Collection(AzuriteCollectionDefinition.Name)]
public sealed class ListMemoryTests(AzuriteFixture azurite, ITestOutputHelper output)
{
    private const int Instances = 1000;
    private const int InputChars = 64 * 1024;

    [Fact]
    public async Task List_1000InstancesWith64KInputsWithoutInputs_AllocatesFarLessThanTheInputsAndUnder300MB()
    {
        // No worker: the instances stay Pending, each with its input in a blob, which is all a listing reads.
        await using var harness = await ManagementHarness.StartAsync(azurite.ConnectionString, runWorker: false);
        var prefix = $"big-{Guid.NewGuid():N}-";
        await Parallel.ForEachAsync(
            Enumerable.Range(0, Instances),
            new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, _) =>
            {
                var input = string.Create(InputChars, i, (span, seed) => span.Fill((char)('a' + (seed % 26))));
                await harness.StartAsync<EchoOrchestration>($"{prefix}{i:D4}", input);
            });
        const long inputBytes = (long)Instances * InputChars * sizeof(char);

        // Warm up the route, serializer and storage clients so the measurement holds only the listing's own work.
        await ResponseAssert.StatusAsync(await harness.GetAsync($"instances?instanceIdPrefix=none&showInput=false"), HttpStatusCode.OK);

        var (withoutInputs, countWithout) = await MeasureAsync(harness, $"instances?showInput=false&top=1000");
        var (withInputs, countWith) = await MeasureAsync(harness, $"instances?showInput=true&top=1000");
        output.WriteLine($"inputs {inputBytes / 1024 / 1024} MiB (as UTF-16); allocated listing {countWithout} without inputs: "
            + $"{withoutInputs / 1024} KiB; listing {countWith} with inputs: {withInputs / 1024} KiB");

        Assert.Equal(Instances, countWithout);
        Assert.True(withoutInputs < 300L * 1024 * 1024, $"listing without inputs allocated {withoutInputs} bytes");
        // Per row, far less than one input: the inputs were not read.
        Assert.True(withoutInputs / countWithout < InputChars / 4, $"listing without inputs allocated {withoutInputs / countWithout} bytes a row; an input is {InputChars} characters");

        // The control: the same measurement sees inputs when they are read (a page of at most 100 with inputs).
        Assert.Equal(100, countWith);
        Assert.True(withInputs > (long)countWith * InputChars, $"listing with inputs allocated only {withInputs} bytes");
    }

    private static async Task<(long Allocated, int Count)> MeasureAsync(ManagementHarness harness, string path)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var page = await ResponseAssert.JsonAsync(await harness.GetAsync(path), HttpStatusCode.OK);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        return (allocated, page.GetArrayLength());
    }
}
