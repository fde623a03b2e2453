import type { FeatureModule } from '../feature.ts';

// STUB: filled in by the law work for issue 3.
export const lawModule: FeatureModule = { name: 'law' };
