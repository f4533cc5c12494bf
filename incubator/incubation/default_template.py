"""The milestone template every organisation starts from (NSNO and 4.0 Schools' six-month
design process): seven milestones, with the evidence each needs and when, counted in days
from the cohort's start."""
from incubator.incubation.states import MilestoneKind

# title, guidance, evidence needed, due offset (days), required for the launch recommendation,
# kind, sessions needed (coaching)
DEFAULT_TEMPLATE = (
    ("Design-thinking training",
     "Take part in the cohort's design-thinking training: empathy interviews, problem framing, "
     "ideation and rapid prototyping, with the rest of the cohort.",
     "The training sessions your team attended, and one page on how you will use the methods in your design.",
     21, True, MilestoneKind.standard, None),
    ("Community input sessions",
     "Hear from the people your school will serve before you settle its design: hold sessions with "
     "teachers, students, parents and school leaders, and log each one in the stakeholder log.",
     "At least one logged session with each of teachers, students, parents and school leaders, "
     "and a summary of what you changed because of them.",
     60, True, MilestoneKind.community_input, None),
    ("Prototype pilot",
     "Plan a small pilot of one part of your model (a learning block, an advisory, a schedule), run it "
     "with real students, and write down what you learned.",
     "The pilot plan, what happened when you ran it (attendance, observations, student work), "
     "and what you learned and will change.",
     105, True, MilestoneKind.standard, None),
    ("Individual coaching",
     "Meet your coach regularly through the incubation. Your coach logs each session; you can reply "
     "to the notes.",
     "At least six logged coaching sessions.",
     150, True, MilestoneKind.coaching, 6),
    ("Updated four-year financial model",
     "Revise the four-year plan of your application (enrollment, per-pupil revenue, operating expenses) "
     "with what you now know, and show how the school reaches 100% of its operating expenses on "
     "public per-pupil revenue by year four.",
     "The revised four-year model (a spreadsheet), and a note on what changed since the application.",
     160, True, MilestoneKind.standard, None),
    ("Charter application draft",
     "Write a full draft of your charter application, using what the community input and the pilot taught you.",
     "The draft charter application.",
     170, True, MilestoneKind.standard, None),
    ("Final showcase",
     "Present your school design to the cohort, your coaches, the program team and community guests.",
     "Your showcase presentation, and a link to the recording if there is one.",
     180, False, MilestoneKind.standard, None),
)
