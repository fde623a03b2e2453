import type { FeatureModule } from '../feature.ts';

// STUB: filled in by the media work for issue 3.
export const mediaModule: FeatureModule = { name: 'media' };
