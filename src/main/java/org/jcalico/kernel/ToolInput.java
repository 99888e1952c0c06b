package org.jcalico.kernel;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.io.Writer;

/**
 * A batch tool's standard input that is made as the tool reads it: a large batch (an ipset of 100,000 members, 3.5 MB
 * of text) is then neither held as one string nor made before the tool starts, and the tool works on its first lines
 * while the JVM writes the next. Its maker has checked every line as {@link CommandText#line} while making it (so
 * that a refused value is refused before anything runs), which is why the runner does not read it again.
 */
public interface ToolInput {
    /** About how many characters {@link #writeTo} writes: where a {@link ToolShell} sends it. */
    int length();

    /** Writes the input, line after line, each ending with a newline; may be called more than once. */
    void writeTo(Writer out) throws IOException;

    /** The whole input as one string: for a small one, a message, or a test. */
    default String text() {
        StringWriter text = new StringWriter(length());
        try {
            writeTo(text);
        } catch (IOException e) {
            throw new UncheckedIOException("a StringWriter does not fail", e);
        }
        return text.toString();
    }
}
