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
    (
        "posterior sample {} (bright = low)",
        "后验样本 {}（亮 = 低）",
    ),
    ("{}; clipped at max − {}", "{}；在最大值 − {} 处截断"),
    ("clipped at max − {}", "在最大值 − {} 处截断"),
    ("sampling density", "采样密度"),
    (
        "Generation {} (λ = {}{}): every member is an independent draw from N(m, σ²C), σ = {}. Curve: that distribution's density along {}{}; bars: its 1σ and 2σ intervals.",
        "第 {} 代（λ = {}{}）：每个成员都是从 N(m, σ²C) 中独立抽取的，σ = {}。曲线：该分布沿 {}{} 的密度；横条：它的 1σ 和 2σ 区间。",
    ),
    ("choice", "类别"),
    ("numbers", "数值选项"),
    ("values", "取值"),
    (
        "numbers separated by commas, searched in their order (a grid takes exactly these)",
        "用逗号分隔的数字，按大小顺序搜索（网格搜索恰好取这些值）",
    ),
    (
        "every entry must be a number, e.g. 0.1, 1, 10",
        "每一项都必须是数字，例如 0.1, 1, 10",
    ),
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
        "{} waits for results and runs {} trial(s) at a time by itself: set its window in the strategy panel to use more jobs (the trials then differ)",
        "{} 要等结果，自身每次只运行 {} 个试验：要用上更多并行任务，请在策略面板设置其窗口（试验会因此不同）",
    ),
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
    ("pruned", "提前停止"),
    ("pruner", "提前停止规则"),
    (
        "the pruner's decision replayed against the trials finished before this one",
        "针对此前已完成的试验重放提前停止规则的决定",
    ),
    (
        "stops a trial early when the values it reports while training look hopeless",
        "训练中报告的值看起来没有希望时，提前停止试验",
    ),
    ("unchecked: automatic", "不勾选：自动"),
    ("rung", "梯级"),
    ("pruned here", "在此停止"),
    ("; {} pruned (crosses)", "；{} 个提前停止（叉号）"),
    ("by resource", "按资源"),
    ("resource", "资源"),
    (
        "x is the resource spent so far (epochs or reported steps, pruned trials counting what they ran) instead of the trial number",
        "横轴为迄今消耗的资源（轮数或报告的步数，提前停止的试验计其已运行的部分），而不是试验编号",
    ),
    ("resources", "资源"),
    (
        "wall time and peak memory of the trial's processes, where measured",
        "试验进程的实际耗时与内存峰值（如有测量）",
    ),
    ("wall time: {} s", "实际耗时：{} 秒"),
    ("CPU time: {} s", "CPU 时间：{} 秒"),
    ("peak memory: {}", "内存峰值：{}"),
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
    // Learning curves
    ("objective: {}", "目标：{}"),
    ("objective: {} in folder {}", "目标：{}，文件夹 {}"),
    (
        "(not the study's objective: the race keeps its own)",
        "（不是本研究的目标：竞赛保留自己的目标）",
    ),
    ("Learning curves", "学习曲线"),
    (
        "each trial's intermediate values by step",
        "每次试验按步报告的中间值",
    ),
    ("failed or stopped", "失败或中止"),
    (
        "{} of {} trials reported intermediate values ({} running)",
        "{1} 次试验中有 {0} 次报告了中间值（{2} 次运行中）",
    ),
    (
        "No trial reported intermediate values. Scripts report them by printing {} on a line of their output while they train.",
        "没有试验报告中间值。脚本在训练时单独输出一行 {} 即可报告。",
    ),
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
    // Decision boundary and known truth
    ("Decision boundary", "决策边界"),
    (
        "Press Run: the best trial's model appears here after the first trial.",
        "点击运行：第一次试验后，这里显示最佳试验的模型。",
    ),
    ("fitting the model…", "正在拟合模型…"),
    ("support vectors", "支持向量"),
    ("Known truth", "已知真值"),
    (
        "computing the true surface and the model's…",
        "正在计算真实曲面和模型曲面…",
    ),
    (
        "Regret needs the study to minimise the function.",
        "遗憾值要求研究以最小化为目标。",
    ),
    ("log10 regret", "log10 遗憾值"),
    ("now", "当前"),
    // Warning before a slow run
    ("Dataset too large?", "数据集太大？"),
    (
        "Fewer rows, fewer folds or a lighter model would be quicker.",
        "减少行数、折数或换用更轻的模型会更快。",
    ),
    ("Run anyway", "仍然运行"),
    ("Cancel", "取消"),
    // Objective
    ("test function", "测试函数"),
    ("model on data", "数据上的模型"),
    ("command", "命令"),
    (
        "an external program that trains and prints a score",
        "一个训练并打印得分的外部程序",
    ),
    ("program and arguments", "程序和参数"),
    ("trial timeout (s)", "试验超时（秒）"),
    ("direction", "方向"),
    ("function", "函数"),
    ("dimensions", "维数"),
    ("dataset", "数据集"),
    ("Open CSV…", "打开 CSV…"),
    (
        "a header row, numeric or text columns, the target last (or chosen below); or drop the file on the window",
        "需有表头行，数值列或文本列均可，目标列在最后（或在下方选择）；也可把文件拖放到窗口上",
    ),
    (
        "or type a path: data.csv, study.ron",
        "或输入路径：data.csv、study.ron",
    ),
    ("Open", "打开"),
    ("fill gaps with", "缺失值填充"),
    (
        "each split fills a numeric gap from its own training rows; categories take their most frequent level",
        "每个划分只用自己的训练行填充数值缺失；类别列取最常见的取值",
    ),
    ("missing indicator", "缺失指示列"),
    (
        "a 0/1 column saying where a value was missing",
        "一个 0/1 列，标出哪里缺失",
    ),
    ("columns", "列"),
    ("column", "列名"),
    ("role", "角色"),
    ("kind", "类型"),
    ("missing", "缺失"),
    ("levels or range", "取值或范围"),
    ("feature", "特征"),
    ("ignored", "忽略"),
    ("numeric", "数值"),
    ("categorical", "类别"),
    ("classes", "类别"),
    (
        "read these numbers as categories (a class number, a code)",
        "把这些数字当作类别（如等级号、代码）",
    ),
    ("use every column", "使用全部列"),
    ("path", "路径"),
    ("rows used", "使用的行"),
    (
        "tune on a stratified share of the rows, drawn with seed 0 and stored with the study; confirm the best on all rows",
        "只用按类别分层抽取的部分行调参（种子 0，随研究保存）；之后再用全部行确认最优结果",
    ),
    ("as categories", "当作类别"),
    (
        "drop a CSV file or a session to open it",
        "拖放 CSV 文件或会话即可打开",
    ),
    (
        "the file dialog could not open on this desktop (no file-dialog portal?): type or paste the path in the field under the dataset, or drop the file on the window",
        "此桌面无法打开文件对话框（没有文件对话框门户？）：请在数据集下方的输入框中输入或粘贴路径，或把文件拖放到窗口上",
    ),
    ("target", "目标列"),
    ("last column", "最后一列"),
    ("task", "任务"),
    ("loading the data…", "正在加载数据…"),
    ("model", "模型"),
    ("metric", "指标"),
    ("folds", "折数"),
    ("reference", "参考划分"),
    (
        "the anchors' fold file: the same splits as scikit-learn",
        "锚点的折文件：与 scikit-learn 相同的划分",
    ),
    ("k-fold", "k 折"),
    ("Language / 语言", "Language / 语言"),
    // Replay
    ("Replay", "回放"),
    (
        "step through the trials: every view shows the study after trial k",
        "逐个查看试验：每个视图都显示第 k 次试验后的研究",
    ),
    ("‹", "‹"),
    ("one trial back", "后退一次试验"),
    ("›", "›"),
    ("one trial forward", "前进一次试验"),
    ("advance one trial at a time", "每次前进一次试验"),
    ("Leave replay", "退出回放"),
    ("back to the full study", "回到完整研究"),
    // Playground
    ("fitting the GP…", "正在拟合高斯过程…"),
    (
        "the problem's box could not be built",
        "无法构建问题的取值范围",
    ),
    ("Playground", "演练场"),
    ("fit ℓ", "拟合 ℓ"),
    (
        "fit the length scale by maximum likelihood, or fix it by hand",
        "用最大似然拟合长度尺度，或手动固定",
    ),
    ("ℓ", "ℓ"),
    (
        "length scale in unit-box units: short = wiggly functions",
        "长度尺度（单位盒坐标）：越短函数越曲折",
    ),
    ("ξ", "ξ"),
    (
        "improvement margin (standardised units): larger explores more",
        "改进裕度（标准化单位）：越大越偏探索",
    ),
    ("κ", "κ"),
    (
        "weight of σ: larger explores more",
        "σ 的权重：越大越偏探索",
    ),
    ("samples", "样本数"),
    ("New samples", "重新采样"),
    ("true function", "真实函数"),
    ("Add the acquisition's choice", "添加采集函数的选择"),
    (
        "observe where the acquisition is largest, as the strategy would",
        "像策略那样，在采集函数最大处观测",
    ),
    ("Undo", "撤销"),
    ("Clear", "清除"),
    ("observations", "观测点"),
    ("acquisition's choice", "采集函数的选择"),
    ("maximum", "最大值"),
    (
        "no maps: raise the number of samples or show the true function",
        "没有图：请增加样本数或显示真实函数",
    ),
    // Step mode
    ("Step mode", "单步模式"),
    ("Start", "开始"),
    (
        "propose the next point and show why, without evaluating it",
        "提出下一个点并说明原因，但不评估它",
    ),
    ("Step", "单步"),
    (
        "evaluate the proposed point, then propose the next (N)",
        "评估提出的点，然后提出下一个（N）",
    ),
    ("Play", "播放"),
    ("keep stepping at the chosen speed", "按所选速度连续单步"),
    ("trials/s", "次试验/秒"),
    (
        "end step mode; the trials stay in the study",
        "结束单步模式；试验保留在研究中",
    ),
    (
        "A run is going on: step mode is available when it ends.",
        "正在运行：运行结束后才能使用单步模式。",
    ),
    (
        "re-proposing with the new settings…",
        "正在按新设置重新提议…",
    ),
    (
        "exploration weight: larger trusts the uncertainty more",
        "探索权重：越大越相信不确定性",
    ),
    (
        "improvement margin: larger explores more",
        "改进裕度：越大越偏探索",
    ),
    ("no setting", "无设置"),
    ("Why this point?", "为什么选这个点？"),
    ("1-D", "一维"),
    // Step mode sentences
    ("cannot step: {}", "无法单步：{}"),
    ("Step mode failed: {}", "单步模式失败：{}"),
    ("Evaluating trial {}…", "正在评估第 {} 次试验…"),
    ("Proposing…", "正在提议…"),
    (
        "Start proposes the study's next point and shows why it was chosen; Step (or N) evaluates it and proposes the next. The trials join the study.",
        "“开始”提出研究的下一个点并说明选择原因；“单步”（或 N）评估该点并提出下一个。这些试验会加入研究。",
    ),
    ("Next: trial {} of {}", "下一个：第 {} 次试验，共 {} 次"),
    ("proposed by {}", "由 {} 提出"),
    (
        "No explanation: {} does not say why it chose this point.",
        "无解释：{} 不说明选择此点的原因。",
    ),
    // Playground sentences
    ("{} observations", "{} 个观测点"),
    ("fitted", "已拟合"),
    (
        "the fit's prior mode until two points",
        "两个点之前取拟合先验的众数",
    ),
    (
        "No observation yet: the GP knows only its kernel ({0}; {1}). The curves are joint samples from the prior — functions it considers possible, in standardised units (mean 0, σ 1); the true function appears with the first observation. Click the plot to observe the function there.",
        "尚无观测：高斯过程只知道它的核函数（{0}；{1}）。这些曲线是从先验联合抽取的样本——它认为可能的函数，单位已标准化（均值 0，σ 1）；第一次观测后会显示真实函数。点击图表即可在该处观测函数。",
    ),
    (
        "No observation yet: the GP knows only its kernel ({0}; {1}). The sample maps are joint samples from the prior — functions it considers possible, in standardised units (mean 0, σ 1). Click the plot to observe the function there.",
        "尚无观测：高斯过程只知道它的核函数（{0}；{1}）。这些样本图是从先验联合抽取的样本——它认为可能的函数，单位已标准化（均值 0，σ 1）。点击图表即可在该处观测函数。",
    ),
    (
        "GP on {0} observations ({1}): mean ± 2σ and posterior samples; below, {2} with its maximum, the point the strategy would try next. Click to observe anywhere.",
        "基于 {0} 个观测点的高斯过程（{1}）：均值 ± 2σ 与后验样本；下方是 {2} 及其最大值，即策略下一步会尝试的点。点击任意位置进行观测。",
    ),
    (
        "GP on {0} observations ({1}): its mean, σ and {2}; the diamond is the acquisition's maximum, the point the strategy would try next. Click any map to observe there.",
        "基于 {0} 个观测点的高斯过程（{1}）：均值、σ 和 {2}；菱形是采集函数的最大值，即策略下一步会尝试的点。点击任一张图即可在该处观测。",
    ),
    ("prior samples", "先验样本"),
    ("posterior samples", "后验样本"),
    ("standardised value", "标准化值"),
    ("posterior mean (bright = low)", "后验均值（越亮越低）"),
    ("posterior σ (bright = uncertain)", "后验 σ（越亮越不确定）"),
    ("{} (bright = promising)", "{}（越亮越有希望）"),
    (
        "true function (same scale as the mean)",
        "真实函数（与均值同一色标）",
    ),
    ("prior sample {}", "先验样本 {}"),
    ("true function (bright = low)", "真实函数（越亮越低）"),
    ("bright {}, dark {}", "亮 {}，暗 {}"),
    // Known truth sentences
    (
        "This view needs a synthetic test function, whose true surface and minimum are known; the study's objective, {}, can only be learnt from its trials.",
        "此视图需要一个真实曲面和最小值已知的合成测试函数；本研究的目标 {} 只能从其试验中学习。",
    ),
    (
        "left: the true function; right: the {} — through the best trial, one colour scale, bright = better",
        "左：真实函数；右：{}——过最佳试验的切片，同一色标，越亮越好",
    ),
    (
        "Press Run: the true surface and the model's appear with the first trials.",
        "点击运行：最初几次试验后会显示真实曲面和模型曲面。",
    ),
    (
        "log10 regret: best so far − known minimum ({})",
        "log10 遗憾值：当前最优 − 已知最小值（{}）",
    ),
    (
        "The two maps need two free parameters; the regret curve is below.",
        "两张图需要两个自由参数；遗憾值曲线在下方。",
    ),
    ("true value", "真实值"),
    // Decision boundary sentences
    (
        "This view is for a classifier or regressor on a dataset with exactly two features (such as moons).",
        "此视图适用于恰好有两个特征的数据集（如 moons）上的分类器或回归器。",
    ),
    ("trial #{} ({}): {}", "试验 #{}（{}）：{}"),
    (
        "{} fitted on all {} rows: {} {} on them",
        "{} 在全部 {} 行上拟合：在这些行上的 {} 为 {}",
    ),
    (
        "; bright = far from the boundary (SVC decision value)",
        "；越亮离边界越远（SVC 决策值）",
    ),
    ("; shaded by the predicted class", "；按预测类别着色"),
    (
        "; colour = predicted value, points by their target",
        "；颜色 = 预测值，点按其目标值着色",
    ),
    ("; {} support vectors ringed", "；{} 个支持向量已圈出"),
    ("\npredicted class {}", "\n预测类别 {}"),
    ("\ndecision value {}", "\n决策值 {}"),
    ("\npredicted {}", "\n预测值 {}"),
    // Replay sentences
    ("of {} trials shown", "/ {} 次试验"),
    ("Pause replay", "暂停回放"),
    (
        "every plot, the table and the best value show the study after these trials",
        "所有图表、表格和最优值都显示这些试验之后的研究",
    ),
    // Status line
    ("cannot run: {}", "无法运行：{}"),
    ("failed: {}", "失败：{}"),
    ("saved {}", "已保存 {}"),
    ("opened {}", "已打开 {}"),
    ("wrote {}", "已写入 {}"),
    ("run cancelled", "已取消运行"),
    ("Run this command?", "运行这个命令？"),
    (
        "This study runs an external command for every trial. Run it only if you trust this session.",
        "这个研究每次试验都会运行一个外部命令。只有信任这个会话时才运行。",
    ),
    ("Confirm and run", "确认并运行"),
    ("confirm the command before it runs", "运行前请确认命令"),
    (
        "a trial may need too much: confirm or cancel",
        "一次试验可能耗费过多：请确认或取消",
    ),
    (
        "stop the race before opening another session",
        "打开其他会话前请先停止竞赛",
    ),
    (
        "stop the run or step mode before replaying",
        "回放前请先停止运行或单步模式",
    ),
    ("no trials to replay", "没有可回放的试验"),
    (
        "replaying: the study after each trial",
        "回放中：每次试验之后的研究",
    ),
    ("replay ended", "回放结束"),
    (
        "step mode: evaluate the proposed point",
        "单步模式：评估提出的点",
    ),
    ("N", "N"),
    // Why this point: captions
    (
        "The space has no free parameters to draw.",
        "搜索空间没有可绘制的自由参数。",
    ),
    (
        "Point {} of {} in a fixed order",
        "固定顺序中的第 {} 个点，共 {} 个",
    ),
    ("Point {} of a fixed sequence", "固定序列中的第 {} 个点"),
    (
        "Start-up point {} of {} ({}), before the model decides",
        "预热点 {} / {}（{}），模型接手之前",
    ),
    (
        "The maximum of {} over the GP posterior",
        "{} 在高斯过程后验上的最大值",
    ),
    (
        "The best of {} candidates by l(x)/g(x) ({} good trials, {} bad)",
        "按 l(x)/g(x) 从 {} 个候选点中选出的最佳点（{} 个好试验，{} 个差试验）",
    ),
    (
        "Member {} of {} drawn from generation {}'s distribution (σ = {})",
        "第 {} 个成员（共 {} 个），从第 {} 代的分布中抽取（σ = {}）",
    ),
    ("Particle {} moves by its velocity", "粒子 {} 按其速度移动"),
    (
        "A probe outside the swarm's moves",
        "粒子群移动之外的一次探测",
    ),
    (
        "A neighbour of the current state (temperature {}, scale {})",
        "当前状态的一个邻点（温度 {}，尺度 {}）",
    ),
    // Why this point: GP
    ("computing…", "正在计算…"),
    (
        "{0} is {1} at the proposal, its largest value over the whole space. Left: the posterior along {2} through the proposal (trials projected onto it); right: {0} over {3} and {4}.",
        "{0} 在提议点处为 {1}，是它在整个空间上的最大值。左：沿 {2} 穿过提议点的后验（试验投影到该线上）；右：{0} 在 {3} 和 {4} 上的分布。",
    ),
    ("proposal", "提议点"),
    ("maximum (the proposal)", "最大值（提议点）"),
    // Why this point: annealing
    ("No move has been judged yet.", "还没有评判过任何移动。"),
    ("accepted", "接受"),
    ("rejected", "拒绝"),
    (
        "Last move: Δ = {} (downhill), always {}.",
        "上一步：Δ = {}（下坡），总是{}。",
    ),
    (
        "Last move: Δ = {} uphill at T = {}: accepted with probability exp(−Δ/T) = {}, and {}.",
        "上一步：Δ = {}，在 T = {} 时上坡：接受概率 exp(−Δ/T) = {}，结果：{}。",
    ),
    (
        "Last move: Δ = {} uphill before the temperature is known: {}.",
        "上一步：Δ = {}，温度确定前上坡：{}。",
    ),
    (
        "The proposal is the current state plus N(0, {}²) per parameter (unit scale). {}{}",
        "提议点 = 当前状态 + 每个参数上的 N(0, {}²)（单位尺度）。{}{}",
    ),
    (" Current state's value: {}.", "当前状态的值：{}。"),
    ("chain of trials", "试验链"),
    ("neighbourhood 1σ, 2σ", "邻域 1σ、2σ"),
    ("current state", "当前状态"),
    ("temperature", "温度"),
    ("scale", "尺度"),
    ("step scale", "步长尺度"),
    // Why this point: CMA-ES
    (
        "Generation {} (λ = {}{}): every member is an independent draw from N(m, σ²C), σ = {}. Rings: 1σ and 2σ of that distribution on {} and {}.",
        "第 {} 代（λ = {}{}）：每个成员都独立抽自 N(m, σ²C)，σ = {}。椭圆：该分布在 {} 和 {} 上的 1σ 与 2σ。",
    ),
    (", after {} restart(s)", "，已重启 {} 次"),
    ("{} ellipse", "{} 椭圆"),
    ("mean", "均值"),
    ("this generation", "本代"),
    // Why this point: gradient
    (
        "The step from x follows the −gradient (norm {}) with learning rate {}: it moves {} in the unit cube.",
        "从 x 出发的一步沿负梯度方向（范数 {}），学习率 {}：在单位立方体中移动 {}。",
    ),
    (
        "{} probes around x estimate the gradient by differences before the next step.",
        "在下一步之前，x 周围的 {} 个探测点用差分估计梯度。",
    ),
    ("No gradient yet at this point.", "此点尚无梯度。"),
    ("trajectory", "轨迹"),
    ("probes", "探测点"),
    ("−gradient (direction)", "负梯度（方向）"),
    ("step", "步"),
    // Why this point: particle swarm
    (
        "Particle {} moves by its new velocity {}·v + {}·r·(own best − x) + {}·r'·(swarm best − x), with r, r' uniform in [0, 1]; arrows: each particle's velocity.",
        "粒子 {} 按新速度 {}·v + {}·r·(自身最优 − x) + {}·r'·(群体最优 − x) 移动，r、r' 在 [0, 1] 上均匀分布；箭头：各粒子的速度。",
    ),
    (
        "Every particle is waiting for its result, so this point is a Gaussian probe around the swarm's best.",
        "所有粒子都在等待结果，因此这个点是在群体最优附近的一次高斯探测。",
    ),
    ("velocities", "速度"),
    ("particles", "粒子"),
    ("personal bests", "个体最优"),
    ("swarm best", "群体最优"),
    ("this move", "本次移动"),
    // Why this point: TPE and order
    ("No densities for this parameter.", "此参数没有密度。"),
    (
        "Along {}: l(x) from the {} best trials, g(x) from the other {}. {} candidates were drawn from l(x); the proposal has the highest {}.{}",
        "沿 {}：l(x) 来自最好的 {} 次试验，g(x) 来自其余 {} 次。从 l(x) 中抽取了 {} 个候选点；提议点的得分（{}）最高。{}",
    ),
    (
        "joint log l − log g over all parameters",
        "全部参数上的联合 log l − log g",
    ),
    (
        "log l − log g on this parameter",
        "此参数上的 log l − log g",
    ),
    (" Its score: {}.", "其得分：{}。"),
    ("log l − log g", "log l − log g"),
    ("log l/g on this parameter", "此参数上的 log l/g"),
    ("candidates (joint score)", "候选点（联合得分）"),
    ("l(x) good", "l(x) 好"),
    ("g(x) bad", "g(x) 差"),
    ("chosen", "选中"),
    ("order", "顺序"),
    // Race
    ("Strategies:", "策略："),
    ("repeats", "重复次数"),
    (
        "runs per strategy, on seeds seed, seed + 1, …",
        "每个策略的运行次数，种子依次为 seed、seed + 1、…",
    ),
    ("within", "容差"),
    (
        "a run has got there at its first trial this close to the race's best",
        "一次运行首次有试验与竞赛最优值相差在此范围内，即视为到达",
    ),
    ("Start race", "开始竞赛"),
    (
        "same objective, space, budget and seed as the current study",
        "与当前研究相同的目标、搜索空间、预算和种子",
    ),
    ("Continue race", "继续竞赛"),
    (
        "finish stopped runs and extend every run to the study's budget ({})",
        "完成已停止的运行，并把每次运行延长到研究的预算（{}）",
    ),
    ("Stop race", "停止竞赛"),
    ("seeds {}–{}", "种子 {}–{}"),
    ("seed {}", "种子 {}"),
    ("{} · budget {} · {}", "{} · 预算 {} · {}"),
    ("log10 regret (best so far)", "log10 遗憾值（当前最优）"),
    (
        "mean log10 regret (best so far)",
        "平均 log10 遗憾值（当前最优）",
    ),
    ("best value so far", "当前最优值"),
    ("mean best so far", "平均当前最优值"),
    (
        "lines: mean over each strategy's {} runs; shaded: the runs' min–max",
        "线：每个策略 {} 次运行的均值；阴影：各次运行的最小–最大范围",
    ),
    ("Ranking", "排名"),
    (
        "mean ± sd over each strategy's runs · trials needed: first trial within {}% of the race's best value (runs that got there)",
        "每个策略各次运行的均值 ± 标准差 · 所需试验数：首次达到竞赛最优值 {}% 以内的试验（到达的运行数）",
    ),
    (
        "trials needed: first trial within {}% of the race's best value",
        "所需试验数：首次达到竞赛最优值 {}% 以内的试验",
    ),
    // #
    ("trials needed", "所需试验数"),
    ("strategy time", "策略用时"),
    ("{} ({} trials)", "{}（{} 次试验）"),
    (
        "{} done, {} running, {} waiting ({} trials)",
        "{} 完成，{} 运行中，{} 等待中（{} 次试验）",
    ),
    ("{} runs done ({} trials)", "{} 次运行完成（{} 次试验）"),
    ("race finished", "竞赛结束"),
    ("a race is already running", "已有竞赛在运行"),
    (
        "nothing to continue: raise the study's budget first",
        "没有可继续的：请先提高研究的预算",
    ),
    // Objective sentences
    (
        "the trial timeout `{}` is not a number of seconds",
        "试验超时 `{}` 不是以秒为单位的数字",
    ),
    (
        "`{}` is not a file or a program on PATH",
        "`{}` 不是文件，也不是 PATH 中的程序",
    ),
    (
        "{} rows, {} features, {} classes",
        "{} 行，{} 个特征，{} 个类别",
    ),
    ("{} rows, {} features, regression", "{} 行，{} 个特征，回归"),
    ("the why-view thread stopped", "解释视图的线程已停止"),
    // Tabs and their notes
    (
        "for a classifier or regressor on a dataset with two features",
        "适用于只有两个特征的数据集上的分类器或回归器",
    ),
    ("Truth", "真值"),
    ("Boundary", "决策边界"),
    // Step mode and playground status
    (
        "a run is going on: step mode starts when it ends",
        "正在运行：运行结束后开始单步模式",
    ),
    ("paused", "已暂停"),
    ("playing", "播放中"),
    ("proposing…", "正在提议…"),
    ("stepping…", "正在单步…"),
    ("stopping…", "正在停止…"),
    ("trial {} proposed", "已提出第 {} 次试验"),
    ("settings refused: {}", "设置被拒绝：{}"),
    (
        "step mode done: the budget is spent",
        "单步模式结束：预算已用完",
    ),
    ("step mode stopped", "单步模式已停止"),
    ("step mode done: {}", "单步模式结束：{}"),
    ("step mode failed: {}", "单步模式失败：{}"),
    ("already observed there", "该处已观测过"),
    ("cleared: the prior again", "已清除：回到先验"),
    ("removed the last observation", "已移除最后一个观测点"),
    ("{}: click to observe", "{}：点击进行观测"),
    ("observed {} at {}", "在 {1} 处观测到 {0}"),
    (
        "the acquisition needs a first observation: click the plot",
        "采集函数需要第一个观测点：请点击图表",
    ),
    ("the GP is still being fitted", "高斯过程仍在拟合中"),
    ("Forrester (1-D)", "Forrester（一维）"),
    ("Branin (2-D)", "Branin（二维）"),
    // Why this point: order
    (
        "Start-up points spread over the space so the model has something to learn from; they do not depend on the results.",
        "预热点铺满整个搜索空间，让模型有东西可学；它们不依赖于结果。",
    ),
    (
        "The sequence was fixed before any result came in: numbers show the order (the first point is 1).",
        "序列在任何结果出来之前就已固定：数字表示顺序（第一个点为 1）。",
    ),
    ("next", "下一个"),
    // Race status
    ("pick {} to {} strategies", "请选择 {} 到 {} 个策略"),
    ("cannot race: {}", "无法竞赛：{}"),
    ("cannot continue: {}", "无法继续：{}"),
    ("continuing the race to {} trials", "继续竞赛到 {} 次试验"),
    (
        "racing {} strategies × {} run",
        "竞赛中：{} 个策略 × {} 次运行",
    ),
    (
        "racing {} strategies × {} runs",
        "竞赛中：{} 个策略 × {} 次运行",
    ),
    // Problem window
    ("The run failed: {}", "运行失败：{}"),
    ("Cannot open the session.\n\n{}", "无法打开会话。\n\n{}"),
    (
        "The plot worker stopped; the surface and GP views will not update. Save your session and restart.",
        "绘图线程已停止；曲面和 GP 视图将不再更新。请保存会话并重启。",
    ),
    // The window's journal, recovery and unsaved-changes prompt.
    (
        "loading the objective… the run starts when it is ready",
        "正在加载目标函数…准备好后开始运行",
    ),
    (
        "The study's journal cannot be written: {}",
        "无法写入研究的日志：{}",
    ),
    ("opening {}…", "正在打开 {}…"),
    ("Cannot recover the study.\n\n{}", "无法恢复研究。\n\n{}"),
    // Step mode and races wait for their objective and journals off the UI thread.
    (
        "loading the objective… step mode starts when it is ready",
        "正在加载目标函数…准备好后进入单步模式",
    ),
    (
        "loading the objective… the race starts when it is ready",
        "正在加载目标函数…准备好后开始竞赛",
    ),
    (
        "loading the objective… the race goes on when it is ready",
        "正在加载目标函数…准备好后继续竞赛",
    ),
    ("opening the study's journal…", "正在打开研究的日志…"),
    (
        "starting: the study's journal is being created",
        "正在启动：正在创建研究的日志",
    ),
    ("its journal cannot be written: {}", "无法写入其日志：{}"),
    ("Cannot recover the race.\n\n{}", "无法恢复竞赛。\n\n{}"),
    (
        "An unsaved race from {} with {} trials: “{}”.",
        "一个来自 {} 的未保存竞赛，有 {} 次试验：“{}”。",
    ),
    ("Unsaved changes", "未保存的更改"),
    (
        "The study “{}” has changes that are not saved.",
        "研究“{}”有未保存的更改。",
    ),
    ("Don't save", "不保存"),
    ("cancelled: the study is kept", "已取消：研究保持不变"),
    ("Recover an unsaved study?", "恢复未保存的研究？"),
    (
        "An unsaved study from {} with {} trials: “{}”.",
        "一个来自 {} 的未保存研究，有 {} 次试验：“{}”。",
    ),
    (
        "Knobs was closed before it was saved.",
        "Knobs 在保存之前被关闭了。",
    ),
    ("Recover", "恢复"),
    ("Discard", "丢弃"),
];
