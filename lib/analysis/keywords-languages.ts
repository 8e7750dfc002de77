import type { Domain } from "./types";

/**
 * Domain evidence in French, Spanish, Portuguese, Italian, German, Russian, Chinese and Japanese:
 * the core of the English table (keywords.ts) in each language, with the inflected forms people
 * type to an assistant (imperatives above all). Same weights as the English words they translate.
 *
 * Chinese and Japanese are written without spaces; the analyser reads them one character at a
 * time, so a keyword of up to three characters is matched as a phrase of single characters
 * (keywords.ts splits them). Longer katakana words are entered by their first three characters.
 */
export const LANGUAGE_TABLE: Record<Domain, Record<string, number>> = {
  code: {
    // fr
    // "routine" is English too ("morning routine"): not enough alone.
    routine: 1, rutina: 1.5,
    fonction: 1.5, fonctions: 1.5, méthode: 1, classe: 1, implémente: 2, implémenter: 2, programme: 1.5,
    algorithme: 1, boucle: 1, requête: 1, bibliothèque: 0.5, refactorise: 2.5, code: 1.5,
    // es
    función: 1.5, funciones: 1.5, método: 1, clase: 1, implementa: 2, implementar: 2, programa: 1.5,
    algoritmo: 1, bucle: 1, consulta: 0.5, librería: 0.5, biblioteca: 0.5, "expresión regular": 2, código: 1.5,
    // pt
    função: 1.5, funções: 1.5, implemente: 2, "expressão regular": 2, laço: 1,
    // it
    funzione: 1.5, funzioni: 1.5, metodo: 1, implementare: 2, programma: 1.5, stringa: 0.7, ciclo: 1,
    libreria: 0.5, codice: 1.5, "espressione regolare": 2,
    // de
    funktion: 1.5, funktionen: 1.5, methode: 1, klasse: 1, implementiere: 2, implementieren: 2, programm: 1.5,
    skript: 1.5, schleife: 1, bibliothek: 0.5, algorithmus: 1, abfrage: 1, quellcode: 1.5,
    // ru
    питон: 2, питоне: 2, питона: 2, парсер: 1,
    код: 1.5, кода: 1.5, коде: 1.5, функцию: 1.5, функция: 1.5, функции: 1.5, скрипт: 1.5, скриптом: 1.5,
    класс: 1, метод: 1, массив: 1, алгоритм: 1, реализуй: 2, реализовать: 2, рефакторинг: 2.5, строку: 0.7,
    // zh
    代码: 2, 函数: 2, 程序: 1.5, 脚本: 1.5, 实现: 1.5, 算法: 1, 数组: 1, 列表: 0.7, 重构: 2.5, 正则: 1.5,
    // ja
    関数: 2, コード: 2, プログ: 1.5, スクリ: 1.5, 実装: 2, 配列: 1, アルゴ: 1, クラス: 1,
  },
  debug: {
    // fr
    bogue: 3, erreur: 2, erreurs: 2, plante: 2, plantage: 2.5, "ne marche pas": 2.5, "ne fonctionne pas": 2.5,
    corriger: 2, corrige: 2, déboguer: 3, débogage: 3, échoue: 2,
    // es
    "por qué": 0.7,
    errores: 2, falla: 2, fallo: 2, excepción: 2.5, "no funciona": 2.5, arregla: 2, corregir: 2,
    depurar: 3, depuración: 3, "se cae": 2, cuelga: 1.5,
    // pt
    erro: 2, erros: 2, trava: 2, travando: 2, falha: 2, exceção: 2.5, "não funciona": 2.5, corrigir: 2,
    corrija: 2, consertar: 2,
    // it
    errore: 2, errori: 2, "si blocca": 2, "non funziona": 2.5, correggi: 2, correggere: 2, eccezione: 2.5, risolvo: 1,
    // de
    fehler: 2, fehlermeldung: 3, absturz: 2.5, stürzt: 2.5, abstürzt: 2.5, "funktioniert nicht": 2.5,
    "funktioniert das": 1, behebe: 2, beheben: 2, reparieren: 2, ausnahme: 2, debuggen: 3,
    // ru
    ошибка: 2, ошибкой: 2, ошибки: 2, ошибку: 2, баг: 3, бага: 3, падает: 2.5, упал: 2, вылетает: 2.5,
    исправь: 2, исправить: 2, "не работает": 2.5, отладка: 3, исключение: 2.5, "стек вызовов": 3, зависает: 2,
    // zh
    报错: 3, 错误: 2, 崩溃: 2.5, 修复: 2, 异常: 2.5, 调试: 3, 故障: 2, 失败: 1.5,
    // ja
    エラー: 2, バグ: 3, 修正: 2, 落ち: 2, クラッ: 2.5, 不具合: 3, 例外: 2.5, デバッ: 3, 動かな: 2.5,
  },
  docs: {
    // fr
    documente: 3, commentaires: 1, tutoriel: 1.5, "mode d emploi": 3,
    // es
    documentación: 3.5, documenta: 3, guía: 1.5, comentarios: 1,
    // pt
    documentação: 3.5, guia: 1.5, comentários: 1,
    // it
    documentazione: 3.5, guida: 1.5, manuale: 1.5, "guida introduttiva": 3, commenti: 1,
    // de
    dokumentation: 3.5, dokumentiere: 3, anleitung: 2, installationsanleitung: 3, handbuch: 2, kommentare: 1,
    // ru
    документацию: 3.5, документация: 3.5, документации: 3.5, инструкцию: 2, руководство: 2, комментарии: 1,
    // zh
    文档: 3.5, 注释: 1.5, 教程: 1.5, 手册: 2,
    // ja
    ドキュ: 3.5, 説明書: 3, マニュ: 2.5, 仕様書: 2.5, コメン: 1,
  },
  analysis: {
    // fr
    analyser: 3, comparer: 2, évalue: 2, évaluer: 2, tendances: 2, données: 1, risques: 1.5, avantages: 1.5,
    inconvénients: 1.5, statistiques: 1,
    // es
    tendencias: 2, ventas: 1,
    analiza: 3, analizar: 3, análisis: 3, compara: 2, evalúa: 2, datos: 1, patrones: 1, riesgos: 1.5,
    ventajas: 1.5, desventajas: 1.5, encuestas: 1, métricas: 1.5,
    // pt
    analise: 3, analisar: 3, análise: 3, avalie: 2, dados: 1, tendências: 2, desempenho: 1, riscos: 1.5,
    // it
    esamina: 2, esaminare: 2, sondaggio: 1,
    analizza: 3, analizzare: 3, analisi: 3, confronta: 2, confrontare: 2, valuta: 2, dati: 1, tendenze: 2,
    rischi: 1.5, metriche: 1.5,
    // de
    vergleich: 2,
    analysiere: 3, analysieren: 3, vergleiche: 2, vergleichen: 2, bewerte: 2, daten: 1, umsatzzahlen: 1.5,
    risiken: 1.5, kennzahlen: 1.5, vorteile: 1.5, nachteile: 1.5,
    // ru
    проанализируй: 3, проанализировать: 3, анализ: 3, анализа: 3, сравни: 2, сравнить: 2, сравнение: 2,
    оцени: 2, данные: 1, отзывы: 1, тенденции: 2, риски: 1.5, метрики: 1.5,
    // zh
    分析: 3, 比较: 2, 对比: 2, 评估: 2, 数据: 1, 趋势: 2, 风险: 1.5, 优缺点: 2,
    // ja
    考察: 2.5,
    比較: 2, 評価: 2, データ: 1, 傾向: 2, リスク: 1.5,
  },
  planning: {
    // fr
    organiser: 1.5, rétroplanning: 3, "semaine par semaine": 1.5,
    planifie: 3, planifier: 3, étapes: 2, jalons: 3, calendrier: 2, échéancier: 3, "feuille de route": 3.5,
    objectifs: 1.5, stratégie: 2, semaines: 1,
    // es
    planifica: 3, planificar: 3, cronograma: 3, etapas: 2, fases: 2, hitos: 3, metas: 1.5, estrategia: 2,
    semanas: 1, "hoja de ruta": 3.5, itinerario: 3.5, organiza: 1.5,
    // pt
    plano: 3, planeje: 3, planejamento: 3, prazos: 1.5, estratégia: 2,
    // it
    scaletta: 3, "mese per mese": 1.5,
    // Italian "piano" is also the instrument: only as "piano di / per".
    "piano di": 3, "piano per": 3, pianifica: 3, pianificazione: 3, scadenze: 2, fasi: 2, tappe: 2, obiettivi: 1.5, strategia: 2,
    settimane: 1, cronoprogramma: 3,
    // de
    trainingsplan: 3, lernplan: 3, projektplan: 3, wochenplan: 3, reiseplan: 3,
    planung: 3, zeitplan: 3, meilensteine: 3, meilenstein: 3, phasen: 2, ziele: 1.5, strategie: 2, wochen: 1,
    quartal: 1.5, fahrplan: 3,
    // ru
    план: 3, плана: 3, планирование: 3, расписание: 2, этапы: 2, сроки: 1.5, цели: 1.5, целями: 1.5,
    стратегию: 2, стратегия: 2, "дорожная карта": 3.5, подготовки: 1,
    // zh
    计划: 3, 规划: 3, 安排: 2, 日程: 2, 目标: 1.5, 里程碑: 3, 策略: 2, 路线图: 3.5,
    // ja
    計画: 3, スケジ: 3, 予定: 1.5, 目標: 1.5, 段取り: 3, 戦略: 2,
  },
  creative: {
    // fr
    poème: 3.5, poésie: 3.5, histoire: 1.5, conte: 3, chanson: 2, blague: 2.5, personnage: 1.5,
    // es
    cuento: 3, poema: 3.5, poesía: 3.5, historia: 1.5, canción: 2, eslogan: 3, chiste: 2.5, personaje: 1.5,
    novela: 2, imagina: 1.5,
    // pt
    poesia: 3.5, história: 1.5, conto: 3, piada: 2.5, personagem: 1.5,
    // it
    componi: 2, filastrocca: 3.5, divertente: 1.5,
    storia: 1.5, racconto: 3, favola: 3, canzone: 2, barzelletta: 2.5, personaggio: 1.5,
    // de
    gedicht: 3.5, gedichte: 2, geschichte: 1.5, erzählung: 3, märchen: 3, "ein lied": 2, "lied über": 2, witz: 2.5,
    // ru
    стихотворение: 3.5, стихи: 3.5, стих: 3, рассказ: 3, историю: 1.5, сказку: 3, сказка: 3, сочини: 3,
    придумай: 2, песню: 2, слоган: 3, шутку: 2.5,
    // zh
    诗: 3, 诗歌: 3.5, 故事: 3, 小说: 2, 歌词: 3.5, 创作: 2, 笑话: 2.5, 口号: 3,
    // ja
    物語: 3, 詩: 3, 小説: 2, 歌詞: 3.5, 俳句: 3.5, ストー: 2.5, 創作: 2,
  },
  summary: {
    // fr
    résume: 4, résumer: 4, résumé: 3.5, synthèse: 3, synthétise: 3, "points clés": 2.5, "en bref": 1.5,
    // es
    // Spanish "resume" (summarise) is English "resume" (a CV, carry on) too: only before its object.
    "resume este": 4, "resume esta": 4, "resume el": 4, "resume la": 4, "resume en": 4, resumir: 4, resumen: 3.5, sintetiza: 3, "ideas principales": 2.5, "puntos clave": 2.5,
    // pt
    condensar: 3, condensa: 3,
    resuma: 4, resumo: 3.5, "pontos principais": 2.5, sintetize: 3,
    // it
    riassumi: 4, riassunto: 3.5, riassumere: 4, sintesi: 3, "punti chiave": 2.5, "poche righe": 1.5,
    // de
    fasse: 2, zusammen: 1.5, zusammenfassung: 4, zusammenfassen: 4, kurzfassung: 4, kernpunkte: 2.5,
    // ru
    кратко: 2.5, перескажи: 3, резюме: 3, резюмируй: 4, главное: 1.5, суть: 2, конспект: 3,
    "основные мысли": 2.5,
    // zh
    总结: 4, 摘要: 4, 概括: 4, 要点: 2.5, 概述: 3, 归纳: 3,
    // ja
    要約: 4, まとめ: 3, 概要: 3,
  },
  translation: {
    // fr
    "en allemand": 3, "en espagnol": 3, "en italien": 3, allemand: 1, espagnol: 1,
    traduis: 5, traduction: 5, "en anglais": 3, "en français": 3, anglais: 1, français: 1,
    // es
    "al alemán": 3, "al francés": 3, alemán: 1, francés: 1,
    traduce: 5, traducción: 5, "al inglés": 3, "al español": 3, inglés: 1, español: 1,
    // pt
    traduz: 5, "para espanhol": 3, "para o espanhol": 3, "para inglês": 3, espanhol: 1,
    traduza: 5, traduzir: 5, tradução: 5, "para o inglês": 3, português: 1,
    // it
    "in francese": 3, "in tedesco": 3, "in spagnolo": 3, francese: 1, tedesco: 1, spagnolo: 1,
    traduci: 5, tradurre: 5, traduzione: 5, "in inglese": 3, inglese: 1, italiano: 1,
    // de
    "ins französische": 3, "ins spanische": 3, französisch: 1, spanisch: 1,
    übersetzung: 5, "ins englische": 3, "ins deutsche": 3, englisch: 1, englische: 1, deutsch: 1,
    // ru
    "на немецкий": 3, "на французский": 3, немецкий: 1, французский: 1,
    переведи: 5, перевести: 5, перевод: 5, перевода: 5, "на английский": 3, "на русский": 3, английский: 1,
    // zh
    翻译: 5, 英文: 1.5, 中文: 1.5, 英语: 1.5, 译成: 3,
    // ja
    翻訳: 5, 英語: 1.5, 日本語: 1.5,
  },
  math: {
    // fr
    résous: 2.5, résoudre: 2.5, équation: 3, calcule: 2, calculer: 2, calcul: 1.5, intégrale: 3.5, dérivée: 3.5,
    probabilité: 3, démontre: 2.5, théorème: 3, pourcentage: 1.5, aire: 1, mathématiques: 3,
    // es
    resuelve: 2.5, resolver: 2.5, ecuación: 3, calcula: 2, calcular: 2, probabilidad: 3, derivada: 3.5,
    demuestra: 2.5, teorema: 3, porcentaje: 1.5, área: 1, matemáticas: 3,
    // pt
    resolva: 2.5, equação: 3, cálculo: 1.5, probabilidade: 3, demonstre: 2.5, porcentagem: 1.5,
    // it
    risolvi: 2.5, equazione: 3, calcola: 2, calcolare: 2, probabilità: 3, integrale: 3.5, dimostra: 2.5,
    percentuale: 1.5, triangolo: 2,
    // de
    "wie viele": 1.5,
    löse: 2.5, berechne: 2, berechnen: 2, gleichung: 3, ableitung: 3.5, wahrscheinlichkeit: 3, beweise: 2.5,
    prozent: 1.5, fläche: 1, rechenweg: 2,
    // ru
    реши: 2, решить: 2, уравнение: 3, уравнения: 3, вычисли: 2, посчитай: 2, интеграл: 3.5, производную: 3.5,
    вероятность: 3, докажи: 2.5, теорему: 3, площадь: 2, математика: 3,
    // zh
    等于: 2, 解题: 2, 多少: 1,
    方程: 3, 计算: 2, 概率: 3, 积分: 3.5, 导数: 3.5, 证明: 2.5, 定理: 3, 求解: 2, 数学: 3, 面积: 2,
    // ja
    方程式: 3, 計算: 2, 確率: 3, 積分: 3.5, 微分: 3.5, 証明: 2.5, 解いて: 2, 面積: 2,
  },
  chat: {
    bonjour: 2, salut: 2, merci: 2, "ça va": 3, hola: 2, gracias: 2, "qué tal": 3, "buenos días": 2.5,
    oi: 2, olá: 2, obrigado: 2, obrigada: 2, "tudo bem": 3, "bom dia": 2.5, ciao: 2, grazie: 2, "come stai": 3,
    buongiorno: 2.5, hallo: 2, danke: 2, "wie geht": 3, "guten morgen": 2.5, привет: 2, здравствуйте: 2,
    "как дела": 3, спасибо: 2, 你好: 3, 谢谢: 2, 早上好: 2.5, こんに: 3, 元気: 2, ありが: 2, おはよ: 2.5,
  },
};

/** Urgency words (the analyser's FLAG_URGENT) in the same languages. */
export const LANGUAGE_URGENT = ["urgente", "dringend", "sofort", "срочно", "紧急", "至急", "rapidement", "rápido", "subito"];
