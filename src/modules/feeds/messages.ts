/** The feeds module's own words, in both languages. */
import { catalogue } from '../../platform/views/i18n/index.ts';

export const feedMessages = catalogue({
  en: {
    feedDescription: 'New posts: real cases, the law explained and what to look out for.',
    tagTitle: '{site}: posts tagged “{tag}”',
    tagDescription: 'New posts tagged “{tag}”.',
    bothLanguages: '{site} (all languages)',
    rss: 'RSS feed',
    atom: 'Atom feed',
    json: 'JSON Feed',
    navViews: 'Views',
    viewsTitle: 'Views per day',
    viewsIntro:
      'Page views counted per page and day. No cookie is set and nothing about the reader is kept: not the address, not the browser, not where they came from.',
    period: 'Period',
    lastDays: 'Last {n} days',
    show: 'Show',
    day: 'Day',
    views: 'Views',
    page: 'Page',
    total: 'Total',
    topPages: 'Most read pages in this period',
    noViews: 'No views recorded in this period.',
  },
  'zh-CN': {
    feedDescription: '最新文章：真实案例、法律解读和需要警惕的迹象。',
    tagTitle: '{site}：标签“{tag}”的文章',
    tagDescription: '标签为“{tag}”的最新文章。',
    bothLanguages: '{site}（全部语言）',
    rss: 'RSS 订阅源',
    atom: 'Atom 订阅源',
    json: 'JSON Feed 订阅源',
    navViews: '浏览量',
    viewsTitle: '每日浏览量',
    viewsIntro:
      '按页面和日期统计的浏览次数。不设置 Cookie，也不保留任何关于读者的信息：不记录地址、浏览器或来源。',
    period: '时间范围',
    lastDays: '最近 {n} 天',
    show: '显示',
    day: '日期',
    views: '浏览量',
    page: '页面',
    total: '合计',
    topPages: '本时段浏览最多的页面',
    noViews: '本时段没有浏览记录。',
  },
});
