import type { FeatureModule } from '../feature.ts';

// STUB: filled in by the feeds work for issue 3.
export const feedsModule: FeatureModule = { name: 'feeds' };
