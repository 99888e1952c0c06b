package org.jcalico.model;

import java.util.List;

/** Lists in resources: absent means empty, and a null element is a validation error rather than a crash. */
final class Lists {
    private Lists() {
    }

    static <T> List<T> copy(String field, List<T> list) {
        if (list == null) {
            return List.of();
        }
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == null) {
                throw new ValidationException(field + "[" + i + "]: missing");
            }
        }
        return List.copyOf(list);
    }
}
