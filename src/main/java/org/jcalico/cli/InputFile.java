package org.jcalico.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The text of a file a command reads (or of standard input, "-"), bounded: an endless source (/dev/zero, a pipe that
 * never ends) or a binary file is one error line saying so, never a heap filled up or a decoder's "Input length = 1".
 */
final class InputFile {
    /** Three times a file of 100,000 profiles (20 MB), which apply takes in some 600 MB of heap. */
    static final int LIMIT = 64 << 20;

    private InputFile() {
    }

    static String read(String file) {
        try {
            byte[] bytes = file.equals("-") ? System.in.readNBytes(LIMIT + 1) : bounded(file);
            if (bytes.length > LIMIT) {
                throw failure(file, "it is larger than " + (LIMIT >> 20) + " MiB (split it into several files)");
            }
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw failure(file, "it is not UTF-8 text");
        } catch (NoSuchFileException e) {
            throw failure(file, "no such file");
        } catch (AccessDeniedException e) {
            throw failure(file, "permission denied");
        } catch (IOException e) {
            throw failure(file, e.getMessage());
        }
    }

    private static byte[] bounded(String file) throws IOException {
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            return in.readNBytes(LIMIT + 1);
        }
    }

    private static CommandFailure failure(String file, String why) {
        return new CommandFailure("cannot read " + (file.equals("-") ? "standard input" : file) + ": " + why);
    }
}
