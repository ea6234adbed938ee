using Berth.Registry;
using Berth.Server.Errors;

namespace Berth.Server.Tests;

public sealed class RegistryErrorsTests
{
    [Fact]
    public void Table_HasARowForEveryError() =>
        Assert.Equal(Enum.GetValues<RegistryError>().Order(), RegistryErrors.Described.Order());

    [Fact]
    public void Table_EcrStatusesAreClientErrors_SoTheCliNeverRetriesThem() =>
        Assert.All(RegistryErrors.Described, e => Assert.InRange(RegistryErrors.Describe(e).EcrStatus, 400, 499));
}
