//! The Simplified Chinese table: English source text → Chinese. A `{}` in an entry is a hole
//! [`fill`](super::fill) puts a number or name into; both sides keep the same holes.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Looked up by the exact English text.
pub(super) fn translate(english: &str) -> Option<&'static str> {
    static MAP: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| TABLE.iter().copied().collect())
        .get(english)
        .copied()
}

/// Every entry, grouped by where it shows.
pub(super) const TABLE: &[(&str, &str)] = &[
    // Parameters
    ("Parameters", "超参数"),
    ("locked: the study has trials", "已锁定：研究中已有试验"),
    ("Clear trials", "清除试验"),
    (
        "keep the study's settings, drop its trials, and edit the space",
        "保留研究的设置，丢弃其试验，然后编辑搜索空间",
    ),
    (
        "searched (checked) or fixed at one value",
        "搜索（勾选）或固定为一个值",
    ),
    ("value", "值"),
    ("from", "从"),
    ("to", "到"),
    ("low", "下限"),
    ("high", "上限"),
    ("log", "对数"),
    ("float, log", "浮点，对数"),
    ("float", "浮点"),
    ("int, log", "整数，对数"),
    ("int", "整数"),
    ("choice", "类别"),
    ("fixed", "固定"),
    // Strategy
    ("Strategy", "搜索策略"),
    ("strategy", "策略"),
    ("window", "窗口"),
    ("strategy's default", "策略默认值"),
    (
        "trials outstanding at once; part of the study, so results do not depend on the number of jobs",
        "同时进行中的试验数；属于研究设置，因此结果与并行任务数无关",
    ),
    ("auto", "自动"),
    ("points per parameter", "每个参数的取值数"),
    ("no settings", "无设置"),
    ("σ₀ (step size)", "σ₀（步长）"),
    ("population λ", "种群大小 λ"),
    ("IPOP restarts", "IPOP 重启"),
    ("start-up trials", "初始试验数"),
    ("acquisition", "采集函数"),
    ("ξ (margin)", "ξ（裕量）"),
    ("κ (exploration)", "κ（探索程度）"),
    ("kernel", "核函数"),
    ("Matérn 5/2", "Matérn 5/2"),
    ("RBF", "RBF"),
    ("method", "方法"),
    ("{}, {} gradients", "{}，{} 梯度"),
    ("learning rate", "学习率"),
    ("difference step", "差分步长"),
    ("candidates", "候选点数"),
    ("prior weight", "先验权重"),
    ("multivariate", "多变量"),
    ("swarm size", "粒子数"),
    ("inertia", "惯性"),
    ("cognitive", "个体学习因子"),
    ("social", "社会学习因子"),
    ("max velocity", "最大速度"),
    ("schedule (trials)", "退火计划（试验数）"),
    ("initial step", "初始步长"),
    ("final step", "最终步长"),
    ("initial temperature", "初始温度"),
    ("final temperature", "最终温度"),
    (
        "every combination of N values per parameter (--grid-points)",
        "每个参数取 N 个值的全部组合（--grid-points）",
    ),
    ("independent uniform draws", "独立均匀抽样"),
    (
        "scrambled Sobol quasi-random sequence",
        "加扰 Sobol 拟随机序列",
    ),
    (
        "Bayesian optimisation: Matérn 5/2 ARD Gaussian process, LogEI, 10 Sobol start-up points",
        "贝叶斯优化：Matérn 5/2 ARD 高斯过程，LogEI，10 个 Sobol 初始点",
    ),
    (
        "CMA-ES evolution strategy with IPOP restarts (sigma0 1/6, λ = 4 + 3 ln d)",
        "CMA-ES 进化策略，带 IPOP 重启（sigma0 1/6，λ = 4 + 3 ln d）",
    ),
    (
        "tree-structured Parzen estimator, as Optuna (10 random start-up trials)",
        "树结构 Parzen 估计器，与 Optuna 相同（10 次随机初始试验）",
    ),
    (
        "particle swarm, Clerc's constriction, 10 + 2√d particles",
        "粒子群，Clerc 收缩因子，10 + 2√d 个粒子",
    ),
    (
        "simulated annealing over a 100-trial schedule",
        "模拟退火，100 次试验的退火计划",
    ),
    (
        "Adam from the best of 5 scouting points; analytic gradients, else central differences",
        "从 5 个侦察点中最好的一个出发用 Adam；有解析梯度时用之，否则用中心差分",
    ),
    // Study
    ("Study", "研究"),
    ("budget", "预算"),
    (
        "total trials, counting those already run",
        "试验总数，包括已运行的",
    ),
    ("seed", "随机种子"),
    ("parallel jobs", "并行任务数"),
    (
        "worker threads; results do not depend on it",
        "工作线程数；结果与之无关",
    ),
    // Trial table
    ("state", "状态"),
    ("seconds", "秒"),
    (
        "sort by this column (click again to reverse)",
        "按此列排序（再次点击反向）",
    ),
    ("note", "说明"),
    ("complete", "完成"),
    ("running", "运行中"),
    ("failed", "失败"),
    // Plots
    ("Convergence", "收敛曲线"),
    (
        "every trial's value and the best so far",
        "每次试验的值与迄今最优值",
    ),
    ("log y", "对数 y 轴"),
    ("value (log of value − {})", "值（值 − {} 的对数）"),
    ("value (log)", "值（对数）"),
    ("trial", "试验"),
    ("trials", "试验"),
    ("best so far", "迄今最优"),
    ("best", "最优"),
    ("selected", "选中"),
    ("latest", "最新"),
    ("x", "x"),
    ("y", "y"),
    ("GP slice", "GP 切片"),
    ("parameter", "参数"),
    ("No free parameters.", "没有可搜索的参数。"),
    (
        "The GP views appear after three completed trials.",
        "完成三次试验后显示 GP 视图。",
    ),
    (
        "posterior mean ± 2σ of the GP fitted on {} trials, other parameters at the best trial's values; {} below",
        "基于 {} 次试验拟合的 GP 后验均值 ± 2σ，其余参数取最优试验的值；下方为 {}",
    ),
    ("±2σ", "±2σ"),
    ("posterior mean", "后验均值"),
    (
        "next point (over all parameters)",
        "下一个点（在全部参数上）",
    ),
    ("maximum on this slice", "此切片上的最大值"),
    ("GP posterior σ", "GP 后验 σ"),
    (
        "This view needs two free parameters.",
        "此视图需要两个可搜索的参数。",
    ),
    (
        "standard deviation of the GP fitted on {} trials, through the best trial; bright = uncertain",
        "基于 {} 次试验拟合的 GP 的标准差，经过最优试验；越亮越不确定",
    ),
    ("Parameter importance", "参数重要性"),
    (
        "Importance appears once trials have completed.",
        "试验完成后显示重要性。",
    ),
    ("estimated from {}, {} trials", "由{}估计，共 {} 次试验"),
    ("share of importance", "重要性占比"),
    ("importance", "重要性"),
    ("GP length scales (1/ℓ)", "GP 长度尺度（1/ℓ）"),
    ("main-effect variance (binned)", "主效应方差（分箱）"),
    ("Parallel coordinates", "平行坐标"),
    (
        "One line per completed trial appears here.",
        "每次完成的试验在此显示为一条折线。",
    ),
    (
        "the best {} of {} trials, coloured by rank; bright = better",
        "{1} 次试验中最好的 {0} 次，按排名着色；越亮越好",
    ),
    (
        "{} trials, coloured by rank; bright = better",
        "{} 次试验，按排名着色；越亮越好",
    ),
    ("Score surface", "得分曲面"),
    (
        "The surface needs two free parameters.",
        "曲面需要两个可搜索的参数。",
    ),
    (
        "{}, through the best trial; bright = better",
        "{}，经过最优试验；越亮越好",
    ),
    (
        "Press Run: the surface fills in as trials arrive.",
        "按“运行”：曲面随试验结果逐步填充。",
    ),
    ("computing the surface…", "正在计算曲面…"),
    ("surface", "曲面"),
    ("σ", "σ"),
    ("GP posterior mean", "GP 后验均值"),
    ("inverse-distance interpolation", "反距离插值"),
    ("no completed trials yet", "尚无完成的试验"),
    ("no free parameters", "没有可搜索的参数"),
    (
        "the GP fit failed; showing an interpolation",
        "GP 拟合失败；改为显示插值",
    ),
    (
        "the surface needs two free parameters",
        "曲面需要两个可搜索的参数",
    ),
    (
        "the GP views need at least three completed trials",
        "GP 视图至少需要三次完成的试验",
    ),
    ("Run", "运行"),
    // Run bar and menus
    ("File", "文件"),
    ("New", "新建"),
    ("Open session…", "打开会话…"),
    ("Open recent", "最近打开"),
    ("Save", "保存"),
    ("Save as…", "另存为…"),
    ("Export trials CSV…", "导出试验 CSV…"),
    ("Export summary JSON…", "导出摘要 JSON…"),
    ("Export window PNG…", "导出窗口 PNG…"),
    ("Help", "帮助"),
    ("Keyboard shortcuts", "键盘快捷键"),
    ("About Knobs", "关于 Knobs"),
    (
        "Run the study up to its budget (Space)",
        "运行研究直到用完预算（空格键）",
    ),
    ("Resume", "继续"),
    ("Pause", "暂停"),
    ("Stop", "停止"),
    ("{} / {} trials", "{} / {} 次试验"),
    ("{} left", "剩余 {}"),
    ("best {}", "最优 {}"),
    ("{} failed", "{} 次失败"),
    ("{} s", "{} 秒"),
    ("{} min {} s", "{} 分 {} 秒"),
    ("{} h {} min", "{} 小时 {} 分"),
    (
        "every parameter is fixed: nothing to search",
        "所有参数都已固定：没有可搜索的",
    ),
    ("the runner is not listening", "运行器没有响应"),
    (
        "paused: running trials finish",
        "已暂停：正在运行的试验将完成",
    ),
    (
        "stopping after the running trials…",
        "正在运行的试验完成后停止…",
    ),
    ("done", "完成"),
    ("stopped", "已停止"),
    ("new study", "新研究"),
    (
        "stop the run before opening another session",
        "请先停止运行再打开其他会话",
    ),
    (
        "stop the run before starting a new study",
        "请先停止运行再新建研究",
    ),
    ("taking a screenshot…", "正在截图…"),
    // Window
    ("Trials", "试验"),
    (
        "click a header to sort, a row to highlight the trial in every plot",
        "点击表头排序，点击一行可在所有图中突出显示该试验",
    ),
    ("Problem", "问题"),
    ("The study is unchanged.", "研究未被改动。"),
    ("OK", "确定"),
    (
        "Everything the window does also runs headlessly: `knobs run --help`.",
        "窗口中的一切也都可以在无界面模式下运行：`knobs run --help`。",
    ),
    (
        "A desktop workbench for hyperparameter tuning: watch search strategies work, compare them, save and resume studies.",
        "超参数调优的桌面工作台：观察搜索策略如何工作、比较它们、保存并继续研究。",
    ),
    ("Ctrl+S", "Ctrl+S"),
    ("Ctrl+O", "Ctrl+O"),
    ("Space", "空格"),
    ("double-click a plot", "双击图表"),
    ("drag / scroll a plot", "拖动 / 滚动图表"),
    ("save the session", "保存会话"),
    ("open a session", "打开会话"),
    ("run / pause / resume", "运行 / 暂停 / 继续"),
    ("reset its zoom", "重置缩放"),
    ("pan / zoom", "平移 / 缩放"),
    // Tabs
    ("Overview", "总览"),
    ("Surface", "曲面"),
    ("Importance", "重要性"),
    ("GP σ", "GP σ"),
    ("Race", "竞赛"),
];
