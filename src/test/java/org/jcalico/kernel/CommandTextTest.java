package org.jcalico.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** No value can end one command that root runs and start another: such a value is refused before anything runs. */
class CommandTextTest {
    @TempDir
    Path dir;

    @Test
    void anArgumentWithAControlCharacterIsRefusedAndNothingRuns() {
        Path made = dir.resolve("made");
        for (String bad : List.of("x\n", "x\r", "x\0", "x\u001b[2J", "x\u0085", "x\u2028")) {
            KernelException e = assertThrows(KernelException.class, () -> CommandRunner.local().run("touch", made + bad));
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        }
        assertEquals("refused to run a command with the argument '" + made + "\\nlink add x': it contains a control character",
                assertThrows(KernelException.class, () -> CommandRunner.local().run("touch", made + "\nlink add x")).getMessage());
        assertFalse(Files.exists(made));
        CommandRunner.local().run("touch", made.toString()).check();
    }

    @Test
    void inputMayHoldNewlinesBetweenItsLinesAndNoOtherControlCharacter() {
        assertEquals("a\nb\n", CommandRunner.local().run(List.of("cat"), "a\nb\n").check().stdout());
        assertEquals("refused to run a command with the input line 'a\\rb': it contains a control character",
                assertThrows(KernelException.class, () -> CommandRunner.local().run(List.of("cat"), "a\rb\n")).getMessage());
        assertThrows(KernelException.class, () -> CommandRunner.local().run(List.of("cat"), "a\0"));
    }
}
