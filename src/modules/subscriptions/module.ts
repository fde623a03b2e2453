import type { FeatureModule } from '../feature.ts';

// STUB: filled in by the subscriptions work for issue 3.
export const subscriptionsModule: FeatureModule = { name: 'subscriptions' };
