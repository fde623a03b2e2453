/** The subscriptions module's own words (pages and emails), in both languages. */
import { catalogue } from '../../platform/views/i18n/index.ts';

export const subMessages = catalogue({
  en: {
    title: 'Subscribe by email',
    intro:
      'Get an email when a new post is published, in the language you choose. Your address is used for nothing else: it is stored encrypted and deleted when you unsubscribe. We keep no record of your network address or browser.',
    email: 'Email address',
    emailHint: 'We will send a link to this address. The subscription starts only when you open it.',
    language: 'Language of the emails',
    langZh: '中文 (Chinese)',
    langEn: 'English',
    submit: 'Subscribe',
    invalidEmail: 'Enter an email address in the form name@example.org.',
    busy: 'Many people are subscribing right now. Please try again in a minute.',
    sentTitle: 'Check your inbox',
    sentText:
      'If this address can receive mail, a message with a confirmation link is on its way. Open the link within 7 days to finish subscribing. If nothing arrives in a few minutes, look in your spam folder.',
    notOffered: 'Email subscriptions are not offered on this site.',
    feedsInstead: 'You can follow new posts in any feed reader instead:',
    confirmTitle: 'Confirm your subscription',
    confirmText: 'Press the button to start receiving an email for each new post.',
    confirmButton: 'Confirm my subscription',
    confirmedTitle: 'You are subscribed',
    confirmedText:
      'You will get an email for each new post. Every email has a link to unsubscribe in one step.',
    linkInvalid:
      'This link is not valid: it has expired, has already been used, or was mistyped. You can subscribe again to get a new one.',
    unsubscribeTitle: 'Unsubscribe',
    unsubscribeText: 'Press the button to stop the emails. Your address will be deleted.',
    unsubscribeButton: 'Unsubscribe and delete my address',
    unsubscribedTitle: 'You are unsubscribed',
    unsubscribedText: 'Your address has been deleted. You will get no more emails from us.',
    unsubscribeInvalid:
      'This link is not valid, or you have already unsubscribed and your address is deleted.',
    confirmSubject: 'Confirm your subscription to {site}',
    confirmBody:
      'Someone, hopefully you, asked to receive an email from {site} for each new post.\n\nTo confirm, open this link within 7 days and press the button:\n{link}\n\nIf it was not you, ignore this message: nothing happens, and the address is deleted after 7 days.',
    noticeIntro: 'New from {site}:',
    noticeRead: 'Read it here:',
    noticeFooter:
      'You receive this email because you subscribed to new posts from {site}. To unsubscribe and delete your address, open:\n{link}',
  },
  'zh-CN': {
    title: '邮件订阅',
    intro:
      '有新文章发布时，我们会用您选择的语言给您发邮件。您的邮箱地址不作任何其他用途：加密保存，退订后即删除。我们不记录您的网络地址或浏览器。',
    email: '邮箱地址',
    emailHint: '我们会向此地址发送一个链接。打开链接后订阅才会生效。',
    language: '邮件语言',
    langZh: '中文',
    langEn: 'English（英文）',
    submit: '订阅',
    invalidEmail: '请输入格式如 name@example.org 的邮箱地址。',
    busy: '目前订阅的人较多，请一分钟后再试。',
    sentTitle: '请查收邮件',
    sentText:
      '如果该地址可以接收邮件，一封含确认链接的邮件正在发送。请在 7 天内打开链接完成订阅。如果几分钟内没有收到，请查看垃圾邮件文件夹。',
    notOffered: '本站不提供邮件订阅。',
    feedsInstead: '您可以改用任意订阅源阅读器关注新文章：',
    confirmTitle: '确认订阅',
    confirmText: '点击下方按钮，开始接收每篇新文章的邮件通知。',
    confirmButton: '确认订阅',
    confirmedTitle: '订阅成功',
    confirmedText: '每有新文章，您都会收到一封邮件。每封邮件都附有一步退订的链接。',
    linkInvalid: '此链接无效：可能已过期、已被使用或输入有误。您可以重新订阅以获取新链接。',
    unsubscribeTitle: '退订',
    unsubscribeText: '点击下方按钮停止接收邮件。您的邮箱地址将被删除。',
    unsubscribeButton: '退订并删除我的地址',
    unsubscribedTitle: '已退订',
    unsubscribedText: '您的邮箱地址已删除。您将不会再收到我们的邮件。',
    unsubscribeInvalid: '此链接无效，或您已经退订、地址已被删除。',
    confirmSubject: '请确认订阅{site}',
    confirmBody:
      '有人（希望是您本人）申请在{site}每发布一篇新文章时收到邮件。\n\n如需确认，请在 7 天内打开以下链接并点击按钮：\n{link}\n\n如果不是您本人申请，请忽略本邮件：不会发生任何事情，该地址将在 7 天后删除。',
    noticeIntro: '{site}发布了新文章：',
    noticeRead: '阅读全文：',
    noticeFooter: '您收到这封邮件，是因为您订阅了{site}的新文章。如需退订并删除您的地址，请打开：\n{link}',
  },
});
