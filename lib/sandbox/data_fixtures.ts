/** Static fixtures of the sandbox tenant: people, companies, templates and plans that data.ts turns into records. */

/** Ids the rest of the sandbox (and its tests) rely on. */
export const WELL_KNOWN = {
  /** The tenant's own company. */
  ownCompanyId: 0,
  /** The API user (licenseType 7) whose headers the sandbox accepts. */
  apiUserResourceId: 29682885,
  /** An inactive resource. */
  inactiveResourceId: 29682895,
  /** A technician who holds only the "Service Desk Tier 1" role. */
  tier1OnlyResourceId: 29682888,
  roles: {
    tier1: 29683457,
    tier2: 29683458,
    networkEngineer: 29683459,
    projectManager: 29683460,
    accountManager: 29683461,
    afterHours: 29683462,
    onsite: 29683463,
  },
} as const;

/** A resource (person or API user) and the roles it holds. */
export interface ResourceSpec {
  id: number;
  first: string;
  last: string;
  title: string;
  license: number;
  active: boolean;
  deskRoles: number[];
  otherRoles?: number[];
}

/** Role ids, short. */
export const R = WELL_KNOWN.roles;

/** The staff of the MSP: one API user (licenseType 7), one inactive, one co-managed user. */
export const RESOURCES: ResourceSpec[] = [
  {
    id: WELL_KNOWN.apiUserResourceId,
    first: "Sandbox",
    last: "Integration",
    title: "API User",
    license: 7,
    active: true,
    deskRoles: [R.tier1],
  },
  {
    id: 29682886,
    first: "Alex",
    last: "Morgan",
    title: "Service Desk Manager",
    license: 1,
    active: true,
    deskRoles: [R.tier2, R.tier1],
    otherRoles: [R.networkEngineer],
  },
  {
    id: 29682887,
    first: "Priya",
    last: "Nair",
    title: "Service Desk Technician",
    license: 1,
    active: true,
    deskRoles: [R.tier1, R.afterHours],
  },
  {
    id: WELL_KNOWN.tier1OnlyResourceId,
    first: "Tomás",
    last: "Álvarez",
    title: "Junior Technician",
    license: 1,
    active: true,
    deskRoles: [R.tier1],
  },
  {
    id: 29682889,
    first: "Grace",
    last: "Liu",
    title: "Senior Technician",
    license: 1,
    active: true,
    deskRoles: [R.tier2, R.tier1, R.onsite],
  },
  {
    id: 29682890,
    first: "Ben",
    last: "Okafor",
    title: "Network Engineer",
    license: 1,
    active: true,
    deskRoles: [R.networkEngineer, R.tier2],
  },
  {
    id: 29682891,
    first: "Hannah",
    last: "Schmidt",
    title: "Service Desk Technician",
    license: 1,
    active: true,
    deskRoles: [R.tier1, R.onsite],
  },
  {
    id: 29682892,
    first: "Marcus",
    last: "Reed",
    title: "Project Manager",
    license: 1,
    active: true,
    deskRoles: [R.tier2],
    otherRoles: [R.projectManager, R.networkEngineer],
  },
  {
    id: 29682893,
    first: "Sofia",
    last: "Rossi",
    title: "Account Manager",
    license: 1,
    active: true,
    deskRoles: [R.tier2],
    otherRoles: [R.accountManager],
  },
  {
    id: 29682894,
    first: "Daniel",
    last: "Kim",
    title: "Systems Engineer",
    license: 1,
    active: true,
    deskRoles: [R.tier2, R.networkEngineer],
    otherRoles: [R.projectManager],
  },
  {
    id: WELL_KNOWN.inactiveResourceId,
    first: "Olivia",
    last: "Brown",
    title: "Technician (left)",
    license: 1,
    active: false,
    deskRoles: [R.tier1],
  },
  {
    id: 29682896,
    first: "Liam",
    last: "Walsh",
    title: "Field Technician",
    license: 1,
    active: true,
    deskRoles: [R.onsite, R.tier1],
  },
  {
    id: 29682897,
    first: "Chloe",
    last: "Dubois",
    title: "Co-managed IT (Lamna Healthcare)",
    license: 4,
    active: true,
    deskRoles: [R.tier1],
  },
];

/** Roles: id, name, hourly rate. */
export const ROLES: [number, string, number][] = [
  [R.tier1, "Service Desk Tier 1", 125],
  [R.tier2, "Service Desk Tier 2", 150],
  [R.networkEngineer, "Network Engineer", 175],
  [R.projectManager, "Project Manager", 160],
  [R.accountManager, "vCIO / Account Manager", 190],
  [R.afterHours, "After Hours On-Call", 210],
  [R.onsite, "Onsite Technician", 140],
];

/** A company of the tenant. */
export interface CompanySpec {
  name: string;
  type: number;
  active: boolean;
  segment: number;
  city: string;
  state: string;
  classification: number | null;
  tier: string | null;
}

/** Customers and others: name, companyType, active, market segment, city, state, classification, tier. */
const COMPANY_ROWS: [
  string,
  number,
  boolean,
  number,
  string,
  string,
  number | null,
  string | null,
][] = [
  ["Contoso Dental Group", 1, true, 1, "Portland", "OR", 101, "Platinum"],
  ["Fabrikam Logistics", 1, true, 3, "Tacoma", "WA", 102, "Gold"],
  ["Litware Tech Solutions", 1, true, 3, "Boise", "ID", 102, "Gold"],
  ["Adatum Legal LLP", 1, true, 2, "Seattle", "WA", 101, "Platinum"],
  ["Proseware Tech Labs", 1, true, 3, "Spokane", "WA", 103, "Bronze"],
  ["Tailspin Toys", 1, true, 4, "Eugene", "OR", 103, "Bronze"],
  ["Wingtip Hospitality Group", 1, true, 4, "Bend", "OR", 102, "Gold"],
  ["Coho Winery", 1, true, 4, "Walla Walla", "WA", 103, "Silver"],
  ["Alpine Ski House", 1, true, 4, "Hood River", "OR", 103, "Silver"],
  ["Blue Yonder Airlines", 1, true, 3, "Everett", "WA", 101, "Platinum"],
  ["Fourth Coffee", 1, true, 4, "Salem", "OR", 103, "Bronze"],
  ["Margie's Travel", 1, true, 4, "Olympia", "WA", 103, "Silver"],
  ["Trey Research", 1, true, 1, "Corvallis", "OR", 102, "Gold"],
  ["Woodgrove Credit Union", 1, true, 2, "Bellevue", "WA", 101, "Platinum"],
  ["Lamna Healthcare", 1, true, 1, "Vancouver", "WA", 101, "Platinum"],
  ["Relecloud Media", 1, true, 5, "Beaverton", "OR", 103, "Silver"],
  ["VanArsdel Manufacturing", 1, true, 3, "Yakima", "WA", 102, "Gold"],
  ["Humongous Insurance", 1, true, 2, "Redmond", "WA", 102, "Gold"],
  ["Graphic Design Institute", 1, true, 5, "Ashland", "OR", 103, "Bronze"],
  ["Bellows College", 1, true, 5, "Pullman", "WA", 102, "Silver"],
  ["Consolidated Messenger", 1, true, 3, "Kent", "WA", 103, "Bronze"],
  ["Lucerne Publishing", 1, true, 5, "Medford", "OR", 103, "Silver"],
  ["Wide World Importers", 3, true, 4, "Astoria", "OR", null, null],
  ["City Power & Light", 2, true, 3, "Richland", "WA", null, null],
  ["Southridge Video", 6, false, 5, "Gresham", "OR", 103, null],
  ["Ingram Micro (Distribution)", 7, true, 3, "Irvine", "CA", null, null],
];

/** The customer base (two with "Tech" in the name), a prospect, a lead, a cancelled one, a vendor. */
export const COMPANIES: CompanySpec[] = COMPANY_ROWS.map((
  [name, type, active, segment, city, state, classification, tier],
) => ({ name, type, active, segment, city, state, classification, tier }));

/** Contact first names (some non-ASCII on purpose). */
export const FIRST_NAMES = [
  "Emma",
  "Noah",
  "Ava",
  "Mateo",
  "Isabella",
  "Lucas",
  "Mia",
  "Ethan",
  "Amelia",
  "Mason",
  "Harper",
  "Logan",
  "Evelyn",
  "Aiden",
  "Abigail",
  "Elijah",
  "Emily",
  "James",
  "Ella",
  "Benjamin",
  "Aria",
  "Kenji",
  "Fatima",
  "Oluwaseun",
  "Siobhan",
  "Dmitri",
  "Anika",
  "Rafael",
  "Ingrid",
  "Yusuf",
  "Mei",
  "Zoë",
  "Björn",
  "Chiara",
];

/** Contact last names. */
export const LAST_NAMES = [
  "Anderson",
  "Baker",
  "Chen",
  "Diaz",
  "Evans",
  "Fischer",
  "Garcia",
  "Hughes",
  "Ivanova",
  "Johansson",
  "Khan",
  "Lopez",
  "Murphy",
  "Nguyen",
  "O'Brien",
  "Patel",
  "Quinn",
  "Rodriguez",
  "Sato",
  "Thompson",
  "Underwood",
  "Vasquez",
  "Williams",
  "Xu",
  "Yamamoto",
  "Zimmerman",
  "Kowalski",
  "Okonkwo",
  "Haddad",
  "Larsen",
];

/** Contact job titles. */
export const CONTACT_TITLES = [
  "Office Manager",
  "Practice Manager",
  "Operations Director",
  "CFO",
  "Receptionist",
  "IT Coordinator",
  "Managing Partner",
  "Controller",
  "HR Manager",
  "Warehouse Lead",
  "Marketing Manager",
  "Owner",
];

/** A kind of ticket: consistent issue type, sub-issue type and ticket type. */
export interface TicketTemplate {
  issue: number;
  sub: number;
  type: number;
  titles: string[];
  detail: string;
}

/** Ticket kinds the data set draws from. */
export const TICKET_TEMPLATES: TicketTemplate[] = [
  {
    issue: 7,
    sub: 201,
    type: 2,
    titles: [
      "Laptop will not power on",
      "Docking station not detecting monitors",
      "Keyboard and trackpad unresponsive",
    ],
    detail: "User cannot work on their laptop. Tried a different power adapter without success.",
  },
  {
    issue: 7,
    sub: 202,
    type: 2,
    titles: [
      "Printer offline on second floor",
      "Scan to email failing",
      "Print jobs stuck in queue",
    ],
    detail: "Several users report the printer is unreachable since this morning.",
  },
  {
    issue: 7,
    sub: 203,
    type: 5,
    titles: [
      "Disk space low on file server",
      "Server rebooted unexpectedly",
      "RAID array degraded",
    ],
    detail: "Monitoring raised an alert for the server. Needs investigation before end of day.",
  },
  {
    issue: 9,
    sub: 211,
    type: 2,
    titles: [
      "Outlook keeps asking for password",
      "Teams calls dropping after a few minutes",
      "Shared mailbox not showing in Outlook",
    ],
    detail: "Microsoft 365 issue affecting the user's daily work.",
  },
  {
    issue: 9,
    sub: 212,
    type: 2,
    titles: [
      "Practice management software error on launch",
      "Accounting package company file locked",
      "Line-of-business app slow for all users",
    ],
    detail: "The application shows an error dialog and closes. Vendor support may be needed.",
  },
  {
    issue: 9,
    sub: 213,
    type: 5,
    titles: ["Windows update failed on workstation", "Feature update stuck at 0%"],
    detail: "Patch management reports failed installs on this device.",
  },
  {
    issue: 12,
    sub: 221,
    type: 2,
    titles: [
      "VPN disconnects every 10 minutes",
      "Site-to-site tunnel down",
      "Firewall firmware update required",
    ],
    detail: "Remote users are affected; the firewall logs show repeated renegotiation.",
  },
  {
    issue: 12,
    sub: 222,
    type: 2,
    titles: ["Guest Wi-Fi not working in lobby", "Weak Wi-Fi signal in conference room"],
    detail: "Wireless clients connect but get no IP address.",
  },
  {
    issue: 12,
    sub: 223,
    type: 2,
    titles: ["Internet outage at main office", "Intermittent packet loss on WAN link"],
    detail: "The whole office lost internet access. ISP has been contacted.",
  },
  {
    issue: 15,
    sub: 231,
    type: 2,
    titles: ["Suspicious email reported by user", "Possible phishing link clicked"],
    detail: "User forwarded a suspicious message. Check for credential exposure.",
  },
  {
    issue: 15,
    sub: 232,
    type: 5,
    titles: ["EDR alert: potentially unwanted program", "Antivirus definitions out of date"],
    detail: "Endpoint protection raised an alert on a workstation.",
  },
  {
    issue: 18,
    sub: 241,
    type: 1,
    titles: ["Password reset request", "Account locked out after too many attempts"],
    detail: "User is locked out and needs access restored.",
  },
  {
    issue: 18,
    sub: 242,
    type: 1,
    titles: ["New starter starting Monday", "Set up laptop and accounts for new hire"],
    detail: "Please create accounts, licenses and a laptop for the new starter.",
  },
  {
    issue: 18,
    sub: 243,
    type: 1,
    titles: ["Leaver: disable account and forward mail", "Offboard departing employee"],
    detail: "Disable sign-in, convert mailbox to shared and recover equipment.",
  },
  {
    issue: 18,
    sub: 244,
    type: 4,
    titles: ["Add user to Finance SharePoint site", "Grant access to shared drive"],
    detail: "Manager approved the access request.",
  },
];

/** Ticket status mix: [value, weight]. */
export const STATUS_WEIGHTS: [number, number][] = [
  [5, 34],
  [1, 14],
  [24, 15],
  [8, 8],
  [21, 8],
  [12, 5],
  [19, 6],
  [27, 6],
  [30, 2],
];

/** Ticket priority mix: [value, weight]. */
export const PRIORITY_WEIGHTS: [number, number][] = [[6, 6], [4, 18], [1, 52], [2, 18], [9, 6]];

/** Ticket queue mix: [value, weight]. */
export const QUEUE_WEIGHTS: [number, number][] = [
  [29682833, 45],
  [29682969, 25],
  [29683354, 12],
  [29683498, 6],
  [29684101, 4],
  [8, 8],
];

/** Ticket sources to draw from. */
export const SOURCES = [-1, 2, 4, 4, 4, 6, 8, 11];

/** Ticket notes: some internal (publish 2 or 4), some visible to the customer (publish 1). */
export const NOTE_TEXTS: { type: number; publish: number; title: string; text: string }[] = [
  {
    type: 3,
    publish: 2,
    title: "Initial triage",
    text:
      "Checked event logs and recent changes. No obvious cause yet; escalating if the issue persists.",
  },
  {
    type: 3,
    publish: 4,
    title: "Remote session",
    text: "Connected remotely with the user's permission and collected diagnostics.",
  },
  {
    type: 13,
    publish: 1,
    title: "Update for customer",
    text: "We are working on this and will update you by end of day.",
  },
  {
    type: 21,
    publish: 2,
    title: "Escalation",
    text: "Escalated to Tier 2: needs admin access to the tenant and vendor contact.",
  },
  {
    type: 2,
    publish: 2,
    title: "Internal detail",
    text:
      "Local admin password rotated; credentials stored in the documentation vault, not in this ticket.",
  },
  {
    type: 13,
    publish: 1,
    title: "Waiting on you",
    text: "Could you confirm a good time for a remote session tomorrow?",
  },
  {
    type: 3,
    publish: 4,
    title: "Co-managed hand-off",
    text: "Customer IT will replace the hardware on site; we keep monitoring.",
  },
];

/** Resolutions of completed tickets. */
export const RESOLUTIONS = [
  "Replaced the faulty part and confirmed with the user.",
  "Reset credentials and re-enrolled MFA.",
  "Applied the vendor patch; issue resolved.",
  "Reconfigured the device and documented the change.",
];

/** Products: id, name, manufacturer, configuration item type, unit cost, unit price. */
export const PRODUCTS: [number, string, string, number, number, number][] = [
  // id, name, manufacturer, CI type, unit cost, unit price
  [29683101, "Dell Latitude 5440", "Dell", 1, 980, 1290],
  [29683102, "HP LaserJet Pro M404dn", "HP", 7, 260, 349],
  [29683103, "Meraki MX68 Firewall", "Cisco Meraki", 11, 640, 895],
  [29683104, "Ubiquiti U6 Pro Access Point", "Ubiquiti", 3, 140, 219],
  [29683105, "Dell PowerEdge T150", "Dell", 2, 1450, 2190],
  [29683106, "Samsung 990 Pro 1TB SSD", "Samsung", 1, 95, 149],
  [29683107, "Dell WD19S Dock", "Dell", 1, 160, 229],
  [29683108, "iPhone 15 128GB", "Apple", 12, 699, 829],
];

/** A project plan, dated relative to now. */
export interface ProjectSpec {
  company: number | "own";
  name: string;
  type: number;
  status: number;
  /** Start in days from now (fractional: "tomorrow 09:00" is computed). */
  start: number | "tomorrow";
  days: number;
  lead: number;
}

/** Six projects; one starts tomorrow at 09:00 UTC, two in the future, one complete. */
export const PROJECTS: ProjectSpec[] = [
  {
    company: 0,
    name: "Microsoft 365 Migration",
    type: 5,
    status: 10,
    start: -30,
    days: 60,
    lead: 29682892,
  },
  {
    company: 1,
    name: "Firewall Refresh",
    type: 5,
    status: 7,
    start: "tomorrow",
    days: 21,
    lead: 29682892,
  },
  { company: 2, name: "Office Move", type: 5, status: 1, start: 14, days: 31, lead: 29682894 },
  {
    company: "own",
    name: "RMM Platform Upgrade",
    type: 4,
    status: 10,
    start: -10,
    days: 30,
    lead: 29682894,
  },
  {
    company: 13,
    name: "Server Replacement",
    type: 5,
    status: 5,
    start: -90,
    days: 50,
    lead: 29682892,
  },
  {
    company: 14,
    name: "Network Assessment",
    type: 2,
    status: 1,
    start: 30,
    days: 30,
    lead: 29682893,
  },
];

/** Phase titles, in order. */
export const PHASES = ["Discovery", "Build", "Cutover & Handover"];

/** Task titles. */
export const TASK_TITLES = [
  "Kick-off meeting with stakeholders",
  "Inventory current environment",
  "Design target configuration",
  "Order hardware",
  "Stage and configure devices",
  "Migrate user data",
  "Cutover out of hours",
  "Post-go-live support",
  "Documentation and hand-over",
];

/** Opportunities: title, stage, status (1 Active, 2 Lost, 3 Closed, 4 Implemented, 5 Not Ready To Buy). */
export const OPPORTUNITIES: [string, number, number][] = [
  // title, stage, status
  ["Microsoft 365 E5 security upgrade", 13, 1],
  ["Firewall and switching refresh", 14, 1],
  ["Managed backup and DR", 12, 1],
  ["Co-managed IT agreement", 15, 1],
  ["Wi-Fi 6E rollout", 11, 1],
  ["Laptop refresh (40 units)", 13, 1],
  ["Security awareness training", 11, 1],
  ["vCIO quarterly program", 12, 1],
  ["Server virtualisation", 14, 1],
  ["Phone system migration to Teams", 11, 1],
  ["Endpoint detection and response", 13, 1],
  ["Network assessment", 12, 1],
  ["Printer fleet lease", 14, 2],
  ["Cloud file server migration", 13, 2],
  ["CCTV network upgrade", 11, 2],
  ["Managed services agreement", 15, 3],
  ["Backup appliance", 15, 3],
  ["Office 365 migration", 15, 3],
  ["Firewall replacement", 15, 4],
  ["Data centre move", 12, 5],
];
