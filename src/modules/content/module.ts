import type { FeatureModule } from '../feature.ts';

// STUB: filled in by the content work for issue 3.
export const contentModule: FeatureModule = { name: 'content' };
