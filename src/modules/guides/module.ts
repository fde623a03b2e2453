import type { FeatureModule } from '../feature.ts';

// STUB: filled in by the guides work for issue 3.
export const guidesModule: FeatureModule = { name: 'guides' };
