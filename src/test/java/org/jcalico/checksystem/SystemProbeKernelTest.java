package org.jcalico.checksystem;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.jcalico.kernel.CommandRunner;
import org.jcalico.kernel.Namespaces;
import org.jcalico.testing.KernelTests;
import org.jcalico.testing.TestNamespaces;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The probe tries the security table for real, in both families, in a namespace of its own. This kernel has it
 * (CONFIG_IP_NF_SECURITY and CONFIG_IP6_NF_SECURITY built in, and iptables here is the nf_tables one, which needs
 * neither), so only acceptance can be shown here; a refusal's verdict is SystemChecksTest's.
 */
@Tag("kernel")
class SystemProbeKernelTest {
    private static final String NAME = TestNamespaces.named("jcspk");

    @Test
    void theSecurityTableIsTriedInBothFamiliesInANamespaceThatGoesWithTheTrial() {
        KernelTests.assumeKernel();
        Namespaces.deleteAll(NAME);
        CommandRunner host = Namespaces.create(NAME);
        try {
            SystemFacts facts = new SystemProbe(host).gather(false, null);
            assertEquals("", facts.kernel().get("iptables security table"), "the kernel here accepts it");
            assertEquals("", facts.kernel().get("ip6tables security table"), "in IPv6 too");
            for (String command : java.util.List.of("iptables-save", "ip6tables-save")) {
                assertFalse(host.run(command, "-t", "security").stdout().contains("-A "),
                        "the trial's rule was in a namespace of its own, not the probed one's");
            }
        } finally {
            Namespaces.deleteAll(NAME);
        }
    }
}
