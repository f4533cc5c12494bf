"""The default rubric, drawn from the Next Generation Learning Challenges criteria for new school
designs: ten criteria on a 1-5 scale with a descriptor for every point. Outcomes and money weigh
more than the design elements they depend on; n/a is allowed where a design may fairly not apply
(college readiness for an elementary school, scalability for a single-site transition)."""
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class DefaultCriterion:
    title: str
    guidance: str
    weight: Decimal
    descriptors: tuple[str, str, str, str, str]
    allows_na: bool = False
    scale_lo: int = 1
    scale_hi: int = 5


DEFAULT_RUBRIC: tuple[DefaultCriterion, ...] = (
    DefaultCriterion(
        "Learning growth",
        "Does the design credibly deliver at least 1.5 years of growth a year in math and English language "
        "arts, especially for students who arrive behind? Look for a measurable goal, the assessments that "
        "will show it, and evidence from similar models.",
        Decimal(2),
        ("No growth goal, or a goal below one year of growth a year.",
         "A growth goal is stated but is vague or has no way to measure it.",
         "Aims for 1.5 years of growth a year in math and ELA with a plausible plan to measure it.",
         "A clear 1.5-year goal, the assessments named, and some evidence the approach produces it.",
         "A clear goal of 1.5 years or more, measured well, with strong evidence from this or similar models."),
    ),
    DefaultCriterion(
        "College readiness",
        "Will 80% of students meet college-readiness benchmarks (e.g. ACT/SAT benchmarks or state measures) "
        "by graduation? Mark n/a for a school that does not serve high-school grades.",
        Decimal("1.5"),
        ("No college-readiness goal or plan.",
         "A goal is mentioned but well below 80% meeting benchmarks, or with no measures.",
         "Aims for 80% meeting benchmarks with a partial plan to get there.",
         "Aims for 80% meeting benchmarks with named measures and supports (advising, coursework).",
         "A convincing path to 80% or more meeting benchmarks, with measures, supports and track record."),
        allows_na=True,
    ),
    DefaultCriterion(
        "Learner profiles",
        "Does every student have an up-to-date record of their strengths, needs, motivations and goals that "
        "teachers, the student and the family use to make decisions?",
        Decimal(1),
        ("Learner profiles are absent.",
         "Profiles are mentioned but hold only grades or test scores.",
         "Profiles cover strengths, needs and goals, updated a few times a year.",
         "Rich profiles, updated often, used by teachers and students to plan.",
         "Rich, current profiles owned by students and families and used in every planning decision."),
    ),
    DefaultCriterion(
        "Personal learning paths",
        "Does each student follow a path that responds to their profile, with choices in what, how and when "
        "they learn, while holding high expectations?",
        Decimal(1),
        ("Every student follows the same path at the same pace.",
         "Some choice (electives, groups) but the path is mostly fixed.",
         "Paths vary by student in pace or content, set mostly by teachers.",
         "Paths built with each student from their profile, with real choices and high expectations.",
         "Fully personal paths, co-designed with students and families, adjusted continually."),
    ),
    DefaultCriterion(
        "Individual mastery",
        "Do students advance when they show mastery of clearly defined competencies, rather than by seat "
        "time, with support when they struggle?",
        Decimal(1),
        ("Progress is by seat time and grade level only.",
         "Mastery is mentioned but students still move on by calendar.",
         "Competencies are defined and mastery is assessed in some subjects.",
         "Students advance on demonstrated mastery in most subjects, with timely support.",
         "A complete competency framework: students advance on mastery everywhere, with support built in."),
    ),
    DefaultCriterion(
        "Flexible learning environments",
        "Do staffing, schedule, space and technology adapt to what students need, rather than the other way "
        "round?",
        Decimal(1),
        ("A traditional schedule, staffing and classroom layout throughout.",
         "Small changes (a tech lab, an advisory period) to a traditional model.",
         "Some flexibility in grouping, time or space to meet student needs.",
         "Time, staffing, space and tools are arranged around students' paths.",
         "The whole environment flexes daily to students' needs, with clear routines that make it work."),
    ),
    DefaultCriterion(
        "Financial sustainability",
        "Will the school operate on public per-pupil revenue within four years? Check the budget: public "
        "revenue should cover operating expenses by year four, with philanthropy only for start-up.",
        Decimal(2),
        ("No budget, or the model depends on philanthropy indefinitely.",
         "A budget exists but public revenue covers operating expenses only well after year four.",
         "Public revenue covers operating expenses by year four on optimistic assumptions.",
         "Public revenue covers operating expenses within four years on realistic enrollment and costs.",
         "Sustainable on public revenue within four years with a margin, and a credible plan if enrollment falls short."),
    ),
    DefaultCriterion(
        "Scalability",
        "Could the model grow to serve more students, or be adopted by other schools, without losing what "
        "makes it work? Mark n/a where the challenge does not ask for growth.",
        Decimal(1),
        ("The model depends on one person or one-off resources.",
         "Growth is mentioned without a plan.",
         "Parts of the model could be repeated elsewhere with effort.",
         "A documented model with a plan to grow or be adopted by other schools.",
         "Built to scale: documented, affordable at scale, with partners ready to adopt it."),
        allows_na=True,
    ),
    DefaultCriterion(
        "Team capacity",
        "Does the team have the leadership, instructional, operational and financial experience to open and "
        "run this school, and the ability to learn and adjust?",
        Decimal("1.5"),
        ("Key roles are unfilled and the team lacks relevant experience.",
         "Some relevant experience, but major gaps (e.g. no one has run operations or finances).",
         "A capable core team with a plan to fill the remaining gaps.",
         "An experienced team covering leadership, instruction and operations, with advisors for the rest.",
         "A proven team that has led strong schools before and covers every role."),
    ),
    DefaultCriterion(
        "Community engagement",
        "Has the design been shaped with the students, families and neighborhood it will serve, and will "
        "they keep a real voice once the school opens?",
        Decimal(1),
        ("No engagement with the community so far.",
         "Informational meetings only; the community has not shaped the design.",
         "Families and residents have been consulted and some feedback is reflected.",
         "The community helped design the school, and families have a defined role in its governance.",
         "Co-designed with the community, with broad demand shown and lasting family and student voice."),
    ),
)
