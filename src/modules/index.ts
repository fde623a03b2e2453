/** Every feature module, in registration order. */
import { casesModule } from './cases/module.ts';
import { contentModule } from './content/module.ts';
import type { FeatureModule } from './feature.ts';
import { feedsModule } from './feeds/module.ts';
import { guidesModule } from './guides/module.ts';
import { lawModule } from './law/module.ts';
import { mediaModule } from './media/module.ts';
import { reportsModule } from './reports/module.ts';
import { searchModule } from './search/module.ts';
import { subscriptionsModule } from './subscriptions/module.ts';

export const FEATURES: FeatureModule[] = [
  mediaModule,
  contentModule,
  lawModule,
  guidesModule,
  searchModule,
  feedsModule,
  subscriptionsModule,
  reportsModule,
  casesModule,
];
