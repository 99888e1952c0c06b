package org.jcalico.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The node image's runtime holds only the modules jlink was given: a class of jcalico's that needs another one loads
 * everywhere but in the image, where the agent dies at start (session 34's com.sun.management, in jdk.management).
 * This asks jdeps about jcalico's own classes without building an image; the libraries' needs are NodeImageIT's.
 */
class NodeImageModulesTest {
    @Test
    void theImagesRuntimeHasEveryModuleJcalicosClassesUse() throws Exception {
        Path classes = Path.of(NodeImage.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = jdeps.run(new PrintWriter(out, true), new PrintWriter(err, true), "--print-module-deps",
                "--ignore-missing-deps", "--multi-release", String.valueOf(Runtime.version().feature()), classes.toString());
        assertEquals(0, status, err.toString());
        List<String> used = Arrays.stream(out.toString().strip().split(",")).map(String::strip).toList();
        assertTrue(used.contains("java.base"), "jdeps answered: " + out);
        List<String> missing = used.stream().filter(module -> !NodeImage.MODULES.contains(module)).toList();
        assertEquals(List.of(), missing, "modules jcalico's classes use that the image's runtime lacks");
    }
}
