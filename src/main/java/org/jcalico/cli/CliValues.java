package org.jcalico.cli;

import org.jcalico.model.Cidr;
import org.jcalico.model.IpAddress;
import org.jcalico.model.ValidationException;

/** Parses command-line values, naming the argument in the error. */
final class CliValues {
    private CliValues() {
    }

    static Cidr cidr(String argument, String text) {
        try {
            return Cidr.parse(text);
        } catch (ValidationException e) {
            throw new ValidationException(argument + ": " + e.getMessage());
        }
    }

    static IpAddress address(String argument, String text) {
        try {
            return IpAddress.parse(text);
        } catch (ValidationException e) {
            throw new ValidationException(argument + ": " + e.getMessage());
        }
    }
}
