import type { FeatureModule } from '../feature.ts';

// STUB: filled in by the search work for issue 3.
export const searchModule: FeatureModule = { name: 'search' };
