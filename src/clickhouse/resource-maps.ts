import type { Attributes } from '../model/span.ts';
import { sameAttributes } from '../model/same-attributes.ts';
import { splitAttributes, type TypedAttributeMaps } from './attributes.ts';

/** Distinct resources remembered per trace; a trace naming more splits the rest itself. */
const LIMIT = 16;

/**
 * Typed resource-attribute maps shared by the spans of a trace whose resources are equal:
 * a trace's spans come from a few services, each span carries its service's ~10 resource
 * attributes, and splitting them again for every span was most of the maps the sink built.
 * Comparing with the few already split is cheaper. The maps are shared between rows,
 * which are only serialized, never mutated.
 */
export class ResourceMaps {
  readonly #seen: { readonly attributes: Attributes; readonly maps: TypedAttributeMaps }[] = [];

  of(attributes: Attributes): TypedAttributeMaps {
    for (const s of this.#seen) if (sameAttributes(s.attributes, attributes)) return s.maps;
    const maps = splitAttributes(attributes);
    if (this.#seen.length < LIMIT) this.#seen.push({ attributes, maps });
    return maps;
  }
}
