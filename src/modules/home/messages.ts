/** The home page's own words, in both languages. */
import { catalogue } from '../../platform/views/i18n/index.ts';

const en = {
  banner: 'Announcement',
  bannerMore: 'Read more',
  menu: 'Where to start',
  report: 'Report',
  reportText: 'Tell us what happened: named, confidentially or anonymously.',
  learn: 'Learn',
  learnText: 'The warning signs to look out for, for citizens, staff, researchers and travellers.',
  law: 'The law',
  lawText: 'What the law says about reporting, confidentiality and rewards, in plain words.',
  posts: 'Posts',
  postsText: 'Real cases, short videos and news from the channel.',
  pinned: 'Pinned',
  latest: 'Latest posts',
  allPosts: 'All posts',
};

type HomeMessages = typeof en;

const zh: HomeMessages = {
  banner: '公告',
  bannerMore: '了解更多',
  menu: '从这里开始',
  report: '举报',
  reportText: '告诉我们发生了什么：可以实名、保密或匿名。',
  learn: '学习',
  learnText: '公民、企业员工、研究人员和出行人员需要警惕的迹象。',
  law: '法律',
  lawText: '用通俗的语言解读法律关于举报、保密和奖励的规定。',
  posts: '文章',
  postsText: '真实案例、短视频和本渠道的最新消息。',
  pinned: '置顶',
  latest: '最新文章',
  allPosts: '全部文章',
};

export const homeMessages = catalogue<HomeMessages>({ en, 'zh-CN': zh });
