package org.jcalico.cni;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.Names;
import org.junit.jupiter.api.Test;

/** The pure part of the plugin: what a runtime's invocation means, and what the answer looks like in each version. */
class CniRequestTest {
    private static final String CONFIG = "{\"cniVersion\":\"1.0.0\",\"name\":\"net1\",\"type\":\"jcalico-cni\","
            + "\"profiles\":[\"web\"],\"labels\":{\"app\":\"a\"},\"ipam\":{\"type\":\"jcalico-ipam\",\"pools\":[\"10.65.0.0/16\"]}}";

    private static Map<String, String> env(String verb) {
        return new HashMap<>(Map.of("CNI_COMMAND", verb, "CNI_CONTAINERID", "c1", "CNI_NETNS", "/run/netns/x",
                "CNI_IFNAME", "eth0", "CNI_PATH", "/opt/cni/bin:/usr/lib/cni", "HOME", "/root"));
    }

    private static CniRequest parse(Map<String, String> env, String config) {
        return CniRequest.parse(env, config.getBytes(StandardCharsets.UTF_8));
    }

    private static int code(Map<String, String> env, String config) {
        return assertThrows(CniError.class, () -> parse(env, config)).code();
    }

    /** A mistake's message names the caller's value, cut and written out so that it stays one short line. */
    @Test
    void aMistakeShowsTheCallersValueInOneShortLine() {
        String huge = "\u001b[2J" + "x".repeat(100_000);
        Map<String, String> command = env("ADD");
        command.put("CNI_COMMAND", huge);
        String label = CONFIG.replace("\"app\":\"a\"", "\"" + "k".repeat(40_000) + "\":1");
        String name = CONFIG.replace("net1", "n".repeat(2000));
        for (CniError error : List.of(assertThrows(CniError.class, () -> parse(command, CONFIG)),
                assertThrows(CniError.class, () -> parse(env("ADD"), label)), assertThrows(CniError.class, () -> parse(env("ADD"), name)))) {
            String message = error.getMessage();
            assertTrue(message.length() < 600 && message.contains("more characters") && !message.contains("\u001b"),
                    message.length() + ": " + message.substring(0, Math.min(600, message.length())));
        }
    }

    @Test
    void anAddIsReadWhole() {
        CniRequest request = parse(env("ADD"), CONFIG);
        assertEquals(CniRequest.Verb.ADD, request.verb());
        assertEquals(Path.of("/run/netns/x"), request.netns());
        assertEquals(List.of(Path.of("/opt/cni/bin"), Path.of("/usr/lib/cni")), request.cniPath());
        assertEquals(List.of(Cidr.parse("10.65.0.0/16")), request.config().pools());
        assertEquals("jcalico-ipam", request.config().ipamType());
        assertTrue(!request.environment().containsKey("HOME"), "only CNI_* variables are handed to a delegated plugin");
    }

    @Test
    void eachMistakeHasTheSpecificationsCode() {
        assertEquals(CniError.DECODING_FAILURE, code(env("ADD"), "{\"cniVersion\":"));
        assertEquals(CniError.DECODING_FAILURE, code(env("ADD"), "[1]"));
        assertEquals(CniError.DECODING_FAILURE, code(env("ADD"), "{\"cniVersion\":\"1.0.0\",\"name\":\"a\",\"name\":\"b\"}"));
        assertEquals(CniError.INCOMPATIBLE_VERSION, code(env("ADD"), CONFIG.replace("1.0.0", "0.3.1")));
        assertEquals(CniError.INCOMPATIBLE_VERSION, code(env("GC"), CONFIG));
        assertEquals(CniError.INVALID_CONFIG, code(env("ADD"), CONFIG.replace("\"profiles\":[\"web\"]", "\"profiles\":\"web\"")));
        assertEquals(CniError.INVALID_CONFIG, code(env("ADD"), CONFIG.replace("net1", "-net")));
        assertEquals(CniError.UNSUPPORTED_FIELD, code(env("ADD"), CONFIG.replace("jcalico-ipam", "host-local")));
        Map<String, String> noCommand = env("ADD");
        noCommand.remove("CNI_COMMAND");
        assertEquals(CniError.INVALID_ENVIRONMENT, code(noCommand, CONFIG));
        assertEquals(CniError.INVALID_ENVIRONMENT, code(env("FROB"), CONFIG));
        Map<String, String> badId = env("ADD");
        badId.put("CNI_CONTAINERID", "-rf");
        assertEquals(CniError.INVALID_ENVIRONMENT, code(badId, CONFIG));
        Map<String, String> relative = env("ADD");
        relative.put("CNI_NETNS", "netns/x");
        assertEquals(CniError.INVALID_ENVIRONMENT, code(relative, CONFIG));
        Map<String, String> unknownArg = env("ADD");
        unknownArg.put("CNI_ARGS", "FOO=1");
        assertEquals(CniError.INVALID_ENVIRONMENT, code(unknownArg, CONFIG));
    }

    /**
     * A stray separator in CNI_ARGS is an error, as the CNI library makes it ("invalid pair"), not dropped, and labels
     * are read as `container add --label` reads them (a key given twice was the last one's); a container
     * id or network name longer than the endpoint record takes is refused before anything is done (they were taken,
     * and reached the IPAM handle that each address's block record keeps), and the error shows only its start.
     */
    @Test
    void strayArgumentSeparatorsAndOverlongIdsAreRefused() {
        for (String args : List.of("K8S_POD_NAME=web;", ";K8S_POD_NAME=web", "JCALICO_PROFILES=db,", "JCALICO_LABELS=a=b,,c=d",
                "JCALICO_LABELS=a=1,a=2", "JCALICO_LABELS=a-")) {
            Map<String, String> env = env("ADD");
            env.put("CNI_ARGS", args);
            assertEquals(CniError.INVALID_ENVIRONMENT, code(env, CONFIG), args);
        }
        Map<String, String> longId = env("ADD");
        longId.put("CNI_CONTAINERID", "c".repeat(Names.MAX_TEXT + 1));
        CniError error = assertThrows(CniError.class, () -> CniRequest.parse(longId, CONFIG.getBytes(StandardCharsets.UTF_8)));
        assertEquals(CniError.INVALID_ENVIRONMENT, error.code());
        assertTrue(error.getMessage().length() < 200, error.getMessage());
        assertEquals(CniError.INVALID_CONFIG, code(env("ADD"), CONFIG.replace("net1", "n".repeat(Names.MAX_TEXT + 1))));
        Map<String, String> fine = env("ADD");
        fine.put("CNI_CONTAINERID", "c".repeat(Names.MAX_TEXT));
        assertEquals("c".repeat(Names.MAX_TEXT), parse(fine, CONFIG).containerId());
    }

    @Test
    void anUndecodableConfigurationIsAnsweredInTheVersionItsTextNames() {
        String broken = "{\"cniVersion\": \"1.0.0\", \"name\": ";
        assertEquals("1.0.0", NetworkConfig.versionOf(broken.getBytes(StandardCharsets.UTF_8)));
        CniError error = assertThrows(CniError.class, () -> parse(env("ADD"), broken));
        assertTrue(error.getMessage().contains("line 1"), error.getMessage());
        assertTrue(!error.getMessage().contains("start marker"), error.getMessage());
        assertEquals(CniVersion.LATEST, NetworkConfig.versionOf("{".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void delNeedsNoNamespaceAndVersionNoConfiguration() {
        Map<String, String> del = env("DEL");
        del.remove("CNI_NETNS");
        assertNull(parse(del, CONFIG).netns());
        assertEquals(CniVersion.LATEST, CniRequest.parse(Map.of("CNI_COMMAND", "VERSION"), new byte[0]).cniVersion());
    }

    @Test
    void kubernetesArgumentsAreFactsNotAKubernetesToAsk() {
        Map<String, String> podman = env("ADD");
        podman.put("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=web_1;K8S_POD_NAME=web_1;K8S_POD_INFRA_CONTAINER_ID=c1;X=y");
        CniRequest request = parse(podman, CONFIG);
        Identity identity = Identity.of(request.config(), request.args());
        assertEquals("default", identity.metadata().namespace(), "web_1 is no namespace name: left out");
        assertEquals("web_1", identity.metadata().labels().get(Identity.POD_LABEL));
        assertEquals("net1", identity.metadata().labels().get(Identity.NETWORK_LABEL));
        assertEquals(1, identity.notes().size(), identity.notes().toString());

        Map<String, String> kubernetes = env("ADD");
        kubernetes.put("CNI_ARGS", "K8S_POD_NAMESPACE=team-a;K8S_POD_NAME=web-0;JCALICO_PROFILES=db;JCALICO_LABELS=app=b,tier=1");
        request = parse(kubernetes, CONFIG);
        identity = Identity.of(request.config(), request.args());
        assertEquals("team-a", identity.metadata().namespace());
        assertEquals(List.of("web", "db"), identity.profiles());
        assertEquals("b", identity.metadata().labels().get("app"), "CNI_ARGS over the configuration");
        assertEquals("1", identity.metadata().labels().get("tier"));

        request = parse(env("ADD"), CONFIG.replace("\"profiles\":[\"web\"],", ""));
        assertEquals(List.of("net1"), Identity.of(request.config(), request.args()).profiles(), "the network's name by default");
    }

    @Test
    void resultsTakeTheFormOfTheirVersion() throws Exception {
        CniResult result = new CniResult(List.of(new CniResult.Interface("cali1", "ee:ee:ee:ee:ee:ee", ""),
                new CniResult.Interface("eth0", "02:00:00:00:00:01", "/run/netns/x")),
                List.of(new CniResult.Ip(IpAddress.parse("10.65.0.5"), 32, IpAddress.parse("169.254.1.1"), 1)),
                List.of(new CniResult.Route(Cidr.parse("0.0.0.0/0"), IpAddress.parse("169.254.1.1"))), null);
        ObjectMapper json = new ObjectMapper();
        assertEquals(json.readTree("{\"cniVersion\":\"0.4.0\",\"interfaces\":[{\"name\":\"cali1\",\"mac\":\"ee:ee:ee:ee:ee:ee\"},"
                + "{\"name\":\"eth0\",\"mac\":\"02:00:00:00:00:01\",\"sandbox\":\"/run/netns/x\"}],"
                + "\"ips\":[{\"version\":\"4\",\"address\":\"10.65.0.5/32\",\"gateway\":\"169.254.1.1\",\"interface\":1}],"
                + "\"routes\":[{\"dst\":\"0.0.0.0/0\",\"gw\":\"169.254.1.1\"}],\"dns\":{}}"), result.render("0.4.0"));
        assertTrue(result.render("1.1.0").path("ips").get(0).path("version").isMissingNode());
        assertEquals(result.render("1.0.0"), CniResult.parse(result.render("1.0.0")).render("1.0.0"), "what jcalico writes it reads back");
        CniResult hostLocal = CniResult.parse(json.readTree("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.1.2.3/24\",\"gateway\":\"10.1.2.1\"}]}"));
        assertEquals(IpAddress.parse("10.1.2.3"), hostLocal.ips().get(0).address());
        assertEquals(24, hostLocal.ips().get(0).prefixLength());
        assertEquals(CniError.DECODING_FAILURE, assertThrows(CniError.class, () -> CniResult.parse(
                json.readTree("{\"ips\":[{\"address\":\"10.1.2.3\"}]}"))).code());
    }

    @Test
    void theNewestVersionBothSpeakIsChosenForADelegatedPlugin() {
        assertEquals("1.0.0", CniVersion.common("1.1.0", List.of("0.3.1", "0.4.0", "1.0.0")));
        assertEquals("0.4.0", CniVersion.common("0.4.0", List.of("0.4.0", "1.0.0")));
        assertNull(CniVersion.common("0.4.0", List.of("0.3.1")));
    }
}
