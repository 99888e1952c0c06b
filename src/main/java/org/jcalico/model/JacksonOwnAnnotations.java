package org.jcalico.model;

import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import java.lang.annotation.Annotation;

/**
 * Jackson's annotation introspector, knowing that Jackson's own annotations are never bundles of others (as
 * {@link KeepsEmptyValues} is, by {@code @JacksonAnnotationsInside}). To find out, Jackson reads every annotation
 * type's own annotations ({@code @Target}, {@code @JacksonAnnotation}), and the JDK makes a proxy class at run time
 * for each annotation type it reads, which no start-up cache keeps: two of the nine such classes of a cold `pool list`
 * (docs/agent.md, "Start-up of a command"). Any other annotation is asked about as before.
 */
final class JacksonOwnAnnotations extends JacksonAnnotationIntrospector {
    @Override
    public boolean isAnnotationBundle(Annotation annotation) {
        return !annotation.annotationType().getName().startsWith("com.fasterxml.jackson.")
                && super.isAnnotationBundle(annotation);
    }
}
