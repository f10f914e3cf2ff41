/** Field and UDF definitions of every entity: the one source for `entityInformation/fields` and for validation. */

import { CATALOG } from "../autotask/catalog.ts";
import type { CatalogEntry, ChildRoute, RootVerb } from "../autotask/catalog.ts";
import * as P from "./picklists.ts";
import type { PicklistEntry } from "./picklists.ts";
import type { SandboxUdf } from "./types.ts";
import { supportsWebhooks } from "./webhook_kinds.ts";

/** Wire data types, as `entityInformation/fields` names them. */
export type DataType =
  | "integer"
  | "long"
  | "double"
  | "decimal"
  | "string"
  | "datetime"
  | "boolean";

/** One field of an entity. */
export interface FieldDef {
  name: string;
  dataType: DataType;
  /** Maximum string length; 0 when not a string or not limited. */
  length: number;
  isRequired: boolean;
  isReadOnly: boolean;
  isQueryable: boolean;
  /** The referenced entity, or "" when the field is not a reference. */
  referenceEntityType: string;
  picklist: PicklistEntry[] | null;
  /** For dependent picklists, the parent field; else "". */
  picklistParentValueField: string;
}

/** A user-defined field definition. */
export interface UdfDef {
  name: string;
  dataType: "string" | "double" | "datetime";
  length: number;
  description: string;
  /** List UDFs: values are strings on the wire and in records. */
  picklist: { value: string; label: string }[] | null;
  /** Must be given on create and cannot be cleared. */
  isRequired: boolean;
}

/** Everything the tenant knows about one entity. */
export interface EntityDef {
  /** Canonical name, e.g. "Tickets". */
  name: string;
  fields: FieldDef[];
  /** Fields by lower-cased name (names are case-insensitive). */
  byLower: Map<string, FieldDef>;
  udfs: UdfDef[];
  udfByLower: Map<string, UdfDef>;
  /** Whether records carry a `userDefinedFields` array. */
  carriesUdfs: boolean;
  /** Whether the sandbox has hand-written rules and data for it (else generic, empty at start). */
  simulated: boolean;
  root: Set<RootVerb>;
  children: ChildRoute[];
  /** Set to the current time on create and on every update. */
  watermarks: string[];
  /** Set to the current time on create only. */
  createStamps: string[];
  /** Fields answered as null by queries and child lists (attachment payloads). */
  queryOmit: Set<string>;
}

interface Overlay {
  required?: string[];
  readOnly?: string[];
  lengths?: Record<string, number>;
  picklists?: Record<string, PicklistEntry[]>;
  /** Dependent picklist field -> its parent field. */
  dependent?: Record<string, string>;
  references?: Record<string, string>;
  /** Fields newer than the 2020 swagger the catalog comes from. */
  extraFields?: Record<string, DataType>;
  notQueryable?: string[];
  udfs?: SandboxUdf[];
  watermarks?: string[];
  createStamps?: string[];
  queryOmit?: string[];
}

/**
 * Entities whose root create/update routes the sandbox refuses (404) although
 * the swagger lists some of them: autotask-api.md section 4 creates them only
 * under their parent.
 */
export const PARENT_ONLY: ReadonlySet<string> = new Set([
  "TicketNotes",
  "Contacts",
  "Tasks",
  "Phases",
  "ProjectNotes",
  "CompanyNotes",
  "TaskNotes",
  "TicketAttachments",
]);

// System-maintained fields on every entity: ignored on create/update, never required.
const READ_ONLY_PATTERN =
  /^(id|createDate|createDateTime|createdByResourceID|createdByPersonID|creatorResourceID|creatorUserID|lastActivity\w*|lastModified\w*|lastTracked\w*|impersonator\w*)$/;

const DEFAULT_STRING_LENGTH = 255;

const OVERLAYS: Record<string, Overlay> = {
  Tickets: {
    // queueID is required by this tenant's settings (autotask-api.md: "a tenant can require more").
    required: ["companyID", "title", "status", "priority", "queueID"],
    readOnly: [
      "ticketNumber",
      "completedDate",
      "completedByResourceID",
      "creatorType",
      "firstResponseDateTime",
      "firstResponseDueDateTime",
      "firstResponseAssignedResourceID",
      "firstResponseInitiatingResourceID",
      "resolvedDateTime",
      "resolvedDueDateTime",
      "resolutionPlanDueDateTime",
      "lastCustomerNotificationDateTime",
      "lastCustomerVisibleActivityDateTime",
      "serviceLevelAgreementHasBeenMet",
      "serviceLevelAgreementPausedNextEventHours",
      "currentServiceThermometerRating",
      "previousServiceThermometerRating",
      "serviceThermometerTemperature",
      "hoursToBeScheduled",
    ],
    lengths: {
      changeInfoField1: 8000,
      changeInfoField2: 8000,
      changeInfoField3: 8000,
      changeInfoField4: 8000,
      changeInfoField5: 8000,
      description: 8000,
      externalID: 50,
      purchaseOrderNumber: 50,
      resolution: 32000,
      rmmAlertID: 50,
      ticketNumber: 50,
      title: 255,
    },
    picklists: {
      status: P.TICKET_STATUS,
      priority: P.TICKET_PRIORITY,
      queueID: P.TICKET_QUEUE,
      ticketType: P.TICKET_TYPE,
      source: P.TICKET_SOURCE,
      issueType: P.ISSUE_TYPE,
      subIssueType: P.SUB_ISSUE_TYPE,
      ticketCategory: P.TICKET_CATEGORY,
      serviceLevelAgreementID: P.SLA,
      creatorType: P.PERSON_TYPE,
      lastActivityPersonType: P.PERSON_TYPE,
    },
    dependent: { subIssueType: "issueType" },
    references: {
      companyID: "Companies",
      contactID: "Contacts",
      assignedResourceID: "Resources",
      assignedResourceRoleID: "Roles",
      configurationItemID: "ConfigurationItems",
      contractID: "Contracts",
      projectID: "Projects",
      opportunityID: "Opportunities",
      billingCodeID: "BillingCodes",
      creatorResourceID: "Resources",
      completedByResourceID: "Resources",
      companyLocationID: "CompanyLocations",
      problemTicketId: "Tickets",
      lastActivityResourceID: "Resources",
    },
    udfs: [
      {
        name: "Root Cause",
        dataType: "string",
        description: "Why the issue happened (list)",
        picklist: [
          { value: "1", label: "User Error" },
          { value: "2", label: "Hardware Fault" },
          { value: "3", label: "Vendor Outage" },
          { value: "4", label: "Configuration Change" },
          { value: "5", label: "Unknown" },
        ],
      },
      { name: "Affected Users", dataType: "double", description: "How many users are affected" },
      {
        name: "Change Reference",
        dataType: "string",
        length: 50,
        description: "Change record in the customer's own system",
      },
      {
        name: "Customer PO",
        dataType: "string",
        length: 50,
        description: "The customer's purchase order number for billable work",
      },
    ],
    watermarks: ["lastTrackedModificationDateTime", "lastActivityDate"],
    createStamps: ["createDate"],
  },
  TicketNotes: {
    required: ["ticketID", "description", "noteType", "publish"],
    lengths: { description: 32000, title: 250 },
    picklists: { noteType: P.TICKET_NOTE_TYPE, publish: P.NOTE_PUBLISH },
    references: { ticketID: "Tickets", creatorResourceID: "Resources" },
    watermarks: ["lastActivityDate"],
    createStamps: ["createDateTime"],
  },
  TicketAttachments: {
    required: ["title", "data", "publish"],
    readOnly: ["attachDate", "attachedByResourceID", "fileSize", "parentType", "isTaskAttachment"],
    lengths: { title: 255, fullPath: 2000, contentType: 100, attachmentType: 32, data: 0 },
    picklists: { publish: P.ATTACHMENT_PUBLISH },
    references: {
      parentID: "Tickets",
      attachedByResourceID: "Resources",
      attachedByContactID: "Contacts",
    },
    notQueryable: ["data"],
    queryOmit: ["data"],
    createStamps: ["attachDate"],
  },
  TicketCharges: {
    required: ["ticketID", "name", "chargeType", "status", "unitQuantity"],
    readOnly: ["statusLastModifiedBy", "statusLastModifiedDate", "extendedCost", "billableAmount"],
    lengths: {
      name: 100,
      description: 2000,
      notes: 2000,
      purchaseOrderNumber: 50,
      internalPurchaseOrderNumber: 50,
    },
    picklists: { chargeType: P.CHARGE_TYPE, status: P.CHARGE_STATUS },
    references: { ticketID: "Tickets", productID: "Products", billingCodeID: "BillingCodes" },
    createStamps: ["createDate"],
  },
  Companies: {
    required: ["companyName", "companyType", "phone", "ownerResourceID"],
    readOnly: ["surveyCompanyRating"],
    lengths: {
      additionalAddressInformation: 100,
      address1: 128,
      address2: 128,
      alternatePhone1: 25,
      alternatePhone2: 25,
      billToAdditionalAddressInformation: 100,
      billingAddress1: 150,
      billingAddress2: 150,
      billToAttention: 50,
      billToCity: 50,
      billToState: 128,
      billToZipCode: 50,
      city: 30,
      companyName: 100,
      companyNumber: 50,
      fax: 25,
      phone: 25,
      postalCode: 10,
      sicCode: 32,
      state: 40,
      stockMarket: 10,
      stockSymbol: 10,
      taxID: 50,
      webAddress: 255,
    },
    picklists: {
      companyType: P.COMPANY_TYPE,
      classification: P.COMPANY_CLASSIFICATION,
      territoryID: P.TERRITORY,
      marketSegmentID: P.MARKET_SEGMENT,
    },
    references: { ownerResourceID: "Resources", parentCompanyID: "Companies" },
    udfs: [
      { name: "Customer Tier", dataType: "string", length: 20, description: "Service tier" },
      {
        name: "Contract Renewal Date",
        dataType: "datetime",
        description: "When the managed services agreement renews",
      },
      { name: "RMM Site ID", dataType: "string", length: 64, description: "Site in the RMM tool" },
    ],
    watermarks: ["lastTrackedModifiedDateTime"],
    createStamps: ["createDate"],
  },
  Contacts: {
    required: ["companyID", "firstName", "lastName", "isActive"],
    lengths: {
      additionalAddressInformation: 100,
      addressLine: 128,
      addressLine1: 128,
      alternatePhone: 32,
      city: 32,
      emailAddress: 254,
      emailAddress2: 254,
      emailAddress3: 254,
      extension: 10,
      externalID: 50,
      facebookUrl: 200,
      faxNumber: 25,
      firstName: 50,
      lastName: 50,
      linkedInUrl: 200,
      middleInitial: 50,
      mobilePhone: 25,
      note: 50,
      phone: 25,
      roomNumber: 50,
      state: 40,
      title: 50,
      twitterUrl: 200,
      zipCode: 16,
    },
    picklists: { namePrefix: P.NAME_PREFIX, nameSuffix: P.NAME_SUFFIX },
    references: { companyID: "Companies", companyLocationID: "CompanyLocations" },
    udfs: [
      {
        name: "Preferred Channel",
        dataType: "string",
        description: "How the contact wants to be reached (list)",
        picklist: [
          { value: "1", label: "Email" },
          { value: "2", label: "Phone" },
          { value: "3", label: "Client Portal" },
          { value: "4", label: "Teams Chat" },
        ],
      },
      { name: "Badge Number", dataType: "string", length: 20, description: "Site access badge" },
    ],
    watermarks: ["lastModifiedDate"],
    createStamps: ["createDate"],
  },
  CompanyNotes: {
    required: ["companyID", "actionType", "name"],
    lengths: { name: 250, note: 32000 },
    picklists: { actionType: P.ACTION_TYPE },
    references: {
      companyID: "Companies",
      contactID: "Contacts",
      assignedResourceID: "Resources",
      opportunityID: "Opportunities",
    },
    watermarks: ["lastModifiedDate"],
    createStamps: ["createDateTime"],
  },
  Projects: {
    required: ["projectName", "companyID", "projectType", "status", "startDateTime", "endDateTime"],
    readOnly: [
      "projectNumber",
      "actualHours",
      "actualBilledHours",
      "completedDateTime",
      "statusDateTime",
      "duration",
    ],
    lengths: {
      description: 8000,
      extProjectNumber: 50,
      projectName: 100,
      projectNumber: 50,
      purchaseOrderNumber: 50,
      statusDetail: 2000,
    },
    picklists: { status: P.PROJECT_STATUS, projectType: P.PROJECT_TYPE, department: P.DEPARTMENT },
    references: {
      companyID: "Companies",
      projectLeadResourceID: "Resources",
      companyOwnerResourceID: "Resources",
      contractID: "Contracts",
    },
    watermarks: ["lastActivityDateTime"],
    createStamps: ["createDateTime"],
  },
  Phases: {
    required: ["projectID", "title"],
    readOnly: ["phaseNumber"],
    lengths: { description: 8000, externalID: 50, phaseNumber: 50, title: 255 },
    references: { projectID: "Projects", parentPhaseID: "Phases" },
    watermarks: ["lastActivityDateTime"],
    createStamps: ["createDate"],
  },
  Tasks: {
    required: ["projectID", "title", "status", "taskType"],
    readOnly: [
      "taskNumber",
      "completedDateTime",
      "completedByResourceID",
      "completedByType",
      "creatorType",
    ],
    lengths: {
      description: 8000,
      externalID: 50,
      purchaseOrderNumber: 50,
      taskNumber: 50,
      title: 255,
    },
    picklists: {
      status: P.TASK_STATUS,
      taskType: P.TASK_TYPE,
      priorityLabel: P.TASK_PRIORITY_LABEL,
      departmentID: P.DEPARTMENT,
      completedByType: P.PERSON_TYPE,
      creatorType: P.PERSON_TYPE,
    },
    references: {
      projectID: "Projects",
      phaseID: "Phases",
      assignedResourceID: "Resources",
      assignedResourceRoleID: "Roles",
      billingCodeID: "BillingCodes",
    },
    watermarks: ["lastActivityDateTime"],
    createStamps: ["createDateTime"],
  },
  ProjectNotes: {
    required: ["projectID", "title", "description", "noteType", "publish", "isAnnouncement"],
    lengths: { description: 32000, title: 250 },
    picklists: { noteType: P.PROJECT_NOTE_TYPE, publish: P.NOTE_PUBLISH },
    references: { projectID: "Projects", creatorResourceID: "Resources" },
    watermarks: ["lastActivityDate"],
    createStamps: ["createDateTime"],
  },
  TaskNotes: {
    required: ["taskID", "description", "noteType", "publish"],
    lengths: { description: 32000, title: 250 },
    picklists: { noteType: P.PROJECT_NOTE_TYPE, publish: P.NOTE_PUBLISH },
    references: { taskID: "Tasks", creatorResourceID: "Resources" },
    watermarks: ["lastActivityDate"],
    createStamps: ["createDateTime"],
  },
  TimeEntries: {
    required: ["resourceID"],
    readOnly: [
      "hoursToBill",
      "timeEntryType",
      "billingApprovalDateTime",
      "billingApprovalLevelMostRecent",
      "billingApprovalResourceID",
    ],
    lengths: { internalNotes: 32000, summaryNotes: 32000 },
    picklists: { timeEntryType: P.TIME_ENTRY_TYPE },
    references: {
      resourceID: "Resources",
      ticketID: "Tickets",
      taskID: "Tasks",
      roleID: "Roles",
      billingCodeID: "BillingCodes",
      contractID: "Contracts",
    },
    watermarks: ["lastModifiedDateTime"],
    createStamps: ["createDateTime"],
  },
  ConfigurationItems: {
    required: ["companyID", "productID", "isActive"],
    lengths: {
      location: 100,
      notes: 5000,
      referenceNumber: 100,
      referenceTitle: 200,
      serialNumber: 100,
      deviceNetworkingID: 100,
      rmmDeviceAuditHostname: 255,
      rmmDeviceAuditOperatingSystem: 255,
      rmmDeviceAuditLastUser: 50,
    },
    picklists: { configurationItemType: P.CI_TYPE },
    references: {
      companyID: "Companies",
      productID: "Products",
      contactID: "Contacts",
      contractID: "Contracts",
      parentConfigurationItemID: "ConfigurationItems",
    },
    watermarks: ["lastModifiedTime"],
    createStamps: ["createDate"],
  },
  Contracts: {
    required: [
      "companyID",
      "contractName",
      "contractType",
      "startDate",
      "endDate",
      "status",
      "timeReportingRequiresStartAndStopTimes",
    ],
    lengths: {
      contactName: 250,
      contractName: 100,
      contractNumber: 50,
      description: 2000,
      purchaseOrderNumber: 50,
    },
    picklists: {
      contractType: P.CONTRACT_TYPE,
      status: P.CONTRACT_STATUS,
      contractCategory: P.CONTRACT_CATEGORY,
      timeReportingRequiresStartAndStopTimes: P.YES_NO,
      billingPreference: P.CONTRACT_BILLING_PREFERENCE,
      serviceLevelAgreementID: P.SLA,
    },
    references: { companyID: "Companies", contactID: "Contacts", opportunityID: "Opportunities" },
    extraFields: { lastModifiedDateTime: "datetime" },
    watermarks: ["lastModifiedDateTime"],
  },
  Opportunities: {
    required: [
      "companyID",
      "title",
      "amount",
      "cost",
      "probability",
      "projectedCloseDate",
      "ownerResourceID",
      "stage",
      "status",
      "useQuoteTotals",
    ],
    readOnly: ["closedDate", "lostDate"],
    lengths: {
      barriers: 500,
      description: 8000,
      helpNeeded: 500,
      lossReasonDetail: 500,
      market: 500,
      nextStep: 500,
      promotionName: 50,
      title: 128,
      winReasonDetail: 500,
    },
    picklists: {
      stage: P.OPPORTUNITY_STAGE,
      status: P.OPPORTUNITY_STATUS,
      rating: P.OPPORTUNITY_RATING,
      lossReason: P.LOSS_REASON,
      winReason: P.WIN_REASON,
    },
    references: {
      companyID: "Companies",
      contactID: "Contacts",
      ownerResourceID: "Resources",
      productID: "Products",
    },
    watermarks: ["lastActivity"],
    createStamps: ["createDate"],
  },
  Resources: {
    readOnly: ["licenseType", "userName", "hireDate"],
    picklists: { licenseType: P.LICENSE_TYPE },
    references: { defaultServiceDeskRoleID: "Roles", locationID: "InternalLocations" },
  },
  Roles: { required: ["name", "hourlyRate"], lengths: { name: 200, description: 200 } },
  ResourceRoles: {
    picklists: { departmentID: P.DEPARTMENT, queueID: P.TICKET_QUEUE },
    references: { resourceID: "Resources", roleID: "Roles" },
  },
  ResourceServiceDeskRoles: {
    required: ["resourceID", "roleID"],
    references: { resourceID: "Resources", roleID: "Roles" },
  },
  // Further technicians on a ticket or task, each with the role they work it under.
  TicketSecondaryResources: {
    required: ["ticketID", "resourceID", "roleID"],
    references: { ticketID: "Tickets", resourceID: "Resources", roleID: "Roles" },
  },
  TaskSecondaryResources: {
    required: ["taskID", "resourceID", "roleID"],
    references: { taskID: "Tasks", resourceID: "Resources", roleID: "Roles" },
  },
  Products: {
    required: ["name", "productBillingCodeID", "isActive"],
    lengths: { name: 100, description: 2000, sku: 50, manufacturerName: 100 },
    picklists: { productCategory: P.PRODUCT_CATEGORY, periodType: P.PERIOD_TYPE },
    references: {
      productBillingCodeID: "BillingCodes",
      chargeBillingCodeID: "BillingCodes",
      defaultVendorID: "Companies",
    },
  },
  BillingCodes: { references: { afterHoursWorkType: "BillingCodes" } },
  // Service calls, quotes, invoices and the service catalog (the roadmap toolsets).
  ServiceCalls: {
    required: ["companyID", "startDateTime", "endDateTime"],
    // duration is computed from the times; cancellation is recorded by Autotask.
    readOnly: ["duration", "canceledByResourceID", "canceledDateTime", "cancelationNoticeHours"],
    lengths: { description: 2000 },
    picklists: { status: P.SERVICE_CALL_STATUS },
    references: {
      companyID: "Companies",
      creatorResourceID: "Resources",
      canceledByResourceID: "Resources",
    },
    watermarks: ["lastModifiedDateTime"],
    createStamps: ["createDateTime"],
  },
  ServiceCallTickets: {
    required: ["serviceCallID", "ticketID"],
    references: { serviceCallID: "ServiceCalls", ticketID: "Tickets" },
  },
  ServiceCallTicketResources: {
    // roleID is newer than the 2020 swagger; the tenant requires a role like a ticket assignment.
    required: ["serviceCallTicketID", "resourceID", "roleID"],
    references: {
      serviceCallTicketID: "ServiceCallTickets",
      resourceID: "Resources",
      roleID: "Roles",
    },
    extraFields: { roleID: "integer" },
  },
  ServiceCallTasks: {
    required: ["serviceCallID", "taskID"],
    references: { serviceCallID: "ServiceCalls", taskID: "Tasks" },
  },
  ServiceCallTaskResources: {
    // Like ticket resources, the tenant requires a role (newer than the 2020 swagger).
    required: ["serviceCallTaskID", "resourceID", "roleID"],
    references: {
      serviceCallTaskID: "ServiceCallTasks",
      resourceID: "Resources",
      roleID: "Roles",
    },
    extraFields: { roleID: "integer" },
  },
  Quotes: {
    required: [
      "opportunityID",
      "name",
      "effectiveDate",
      "expirationDate",
      "billToLocationID",
      "shipToLocationID",
      "soldToLocationID",
    ],
    readOnly: [
      "quoteNumber",
      "approvalStatus",
      "approvalStatusChangedByResourceID",
      "approvalStatusChangedDate",
      "extApprovalContactResponse",
      "extApprovalResponseDate",
      "extApprovalResponseSignature",
    ],
    lengths: {
      name: 100,
      description: 2000,
      comment: 1000,
      purchaseOrderNumber: 50,
      externalQuoteNumber: 100,
      extApprovalResponseSignature: 100,
    },
    picklists: { paymentTerm: P.PAYMENT_TERM, approvalStatus: P.QUOTE_APPROVAL_STATUS },
    references: {
      companyID: "Companies",
      contactID: "Contacts",
      opportunityID: "Opportunities",
      proposalProjectID: "Projects",
      billToLocationID: "QuoteLocations",
      shipToLocationID: "QuoteLocations",
      soldToLocationID: "QuoteLocations",
      creatorResourceID: "Resources",
      approvalStatusChangedByResourceID: "Resources",
    },
    notQueryable: ["calculateTaxSeparately", "showEachTaxInGroup", "showTaxCategory"],
    watermarks: ["lastActivityDate"],
    createStamps: ["createDate"],
  },
  QuoteItems: {
    required: [
      "quoteID",
      "quoteItemType",
      "quantity",
      "isOptional",
      "unitDiscount",
      "lineDiscount",
      "percentageDiscount",
    ],
    readOnly: [
      "averageCost",
      "highestCost",
      "totalEffectiveTax",
      "internalCurrencyUnitPrice",
      "internalCurrencyUnitDiscount",
      "internalCurrencyLineDiscount",
    ],
    lengths: { name: 100, description: 2000 },
    picklists: { quoteItemType: P.QUOTE_ITEM_TYPE, periodType: P.PERIOD_TYPE },
    references: {
      quoteID: "Quotes",
      productID: "Products",
      serviceID: "Services",
      laborID: "Roles",
    },
    notQueryable: ["averageCost", "highestCost"],
  },
  QuoteLocations: {
    lengths: { address1: 50, address2: 50, city: 50, postalCode: 20, state: 50 },
  },
  Invoices: {
    // Invoices are made by the billing workflow; the API only annotates them.
    readOnly: [
      "batchID",
      "companyID",
      "dueDate",
      "fromDate",
      "invoiceDateTime",
      "invoiceEditorTemplateID",
      "invoiceNumber",
      "invoiceTotal",
      "isVoided",
      "orderNumber",
      "paymentTerm",
      "taxGroup",
      "taxRegionName",
      "toDate",
      "totalTaxValue",
      "voidedByResourceID",
      "voidedDate",
    ],
    lengths: { comments: 1000, invoiceNumber: 50, orderNumber: 50, taxRegionName: 200 },
    picklists: { paymentTerm: P.PAYMENT_TERM },
    references: {
      companyID: "Companies",
      creatorResourceID: "Resources",
      voidedByResourceID: "Resources",
    },
  },
  Services: {
    required: ["name", "periodType", "billingCodeID", "isActive"],
    lengths: { name: 150, description: 400, invoiceDescription: 1000 },
    picklists: { periodType: P.PERIOD_TYPE, serviceLevelAgreementID: P.SLA },
    references: {
      billingCodeID: "BillingCodes",
      vendorCompanyID: "Companies",
      creatorResourceID: "Resources",
      updateResourceID: "Resources",
    },
    watermarks: ["lastModifiedDate"],
    createStamps: ["createDate"],
  },
  ContractServices: {
    required: ["contractID", "serviceID", "unitPrice"],
    readOnly: ["internalCurrencyAdjustedPrice", "internalCurrencyUnitPrice"],
    lengths: { invoiceDescription: 1000, internalDescription: 100 },
    references: { contractID: "Contracts", serviceID: "Services", quoteItemID: "QuoteItems" },
  },
  // The data behind the reports: purchases of block-hour and retainer contracts, SLA results,
  // the office's business hours and holidays.
  ContractBlocks: {
    required: ["contractID", "datePurchased", "startDate", "endDate", "hours", "hourlyRate"],
    // Approved hours are Autotask's bookkeeping, and (as documented) cannot be queried.
    readOnly: ["hoursApproved"],
    notQueryable: ["hoursApproved"],
    lengths: { invoiceNumber: 50, paymentNumber: 50 },
    picklists: { status: P.PURCHASE_STATUS, paymentType: P.PAYMENT_TYPE },
    references: { contractID: "Contracts" },
  },
  ContractRetainers: {
    required: ["contractID", "datePurchased", "startDate", "endDate", "amount"],
    readOnly: ["amountApproved", "internalCurrencyAmount", "internalCurrencyAmountApproved"],
    lengths: { invoiceNumber: 50, paymentNumber: 50 },
    picklists: { status: P.PURCHASE_STATUS },
    references: { contractID: "Contracts" },
  },
  ServiceLevelAgreementResults: {
    references: {
      ticketID: "Tickets",
      firstResponseResourceID: "Resources",
      firstResponseInitiatingResourceID: "Resources",
      resolutionPlanResourceID: "Resources",
      resolutionResourceID: "Resources",
    },
  },
  InternalLocations: {
    references: { holidaySetId: "HolidaySets" },
  },
  InternalLocationWithBusinessHours: {
    required: ["name"],
    lengths: { name: 100, address1: 150, address2: 150, city: 50, postalCode: 20, state: 25 },
    picklists: {
      firstDayOfWeek: P.FIRST_DAY_OF_WEEK,
      holidayHoursType: P.HOLIDAY_HOURS_TYPE,
      timeZoneID: P.TIME_ZONE,
    },
    references: { holidaySetID: "HolidaySets" },
  },
  HolidaySets: {
    required: ["holidaySetName"],
    lengths: { holidaySetName: 100, holidaySetDescription: 500 },
  },
  Holidays: {
    required: ["holidayDate", "holidayName", "holidaySetID"],
    lengths: { holidayName: 100 },
    references: { holidaySetID: "HolidaySets" },
  },
};

/** Entities the sandbox fills with data and hand-written rules. */
export const SIMULATED: readonly string[] = Object.keys(OVERLAYS);

const CATALOG_TYPES: Record<string, DataType | undefined> = {
  integer: "integer",
  long: "long",
  decimal: "decimal",
  double: "double",
  string: "string",
  datetime: "datetime",
  boolean: "boolean",
};

function buildField(name: string, dataType: DataType, overlay: Overlay): FieldDef {
  const required = overlay.required?.includes(name) ?? false;
  const readOnly = !required &&
    (READ_ONLY_PATTERN.test(name) || (overlay.readOnly?.includes(name) ?? false));
  const lengthOverride = overlay.lengths?.[name];
  const length = dataType === "string" ? lengthOverride ?? DEFAULT_STRING_LENGTH : 0;
  return {
    name,
    dataType,
    length,
    isRequired: required,
    isReadOnly: readOnly,
    isQueryable: !(overlay.notQueryable?.includes(name) ?? false),
    referenceEntityType: overlay.references?.[name] ?? "",
    picklist: overlay.picklists?.[name] ?? null,
    picklistParentValueField: overlay.dependent?.[name] ?? "",
  };
}

function udfDef(u: SandboxUdf): UdfDef {
  return {
    name: u.name,
    dataType: u.dataType,
    length: u.dataType === "string" ? u.length ?? 100 : 0,
    description: u.description ?? "",
    picklist: u.picklist ?? null,
    isRequired: u.isRequired === true,
  };
}

/** A copy of `def` whose user-defined fields are exactly `udfs` (a tenant's own definitions). */
export function withUdfs(def: EntityDef, udfs: readonly SandboxUdf[]): EntityDef {
  const defs = udfs.map(udfDef);
  return {
    ...def,
    udfs: defs,
    udfByLower: new Map(defs.map((u) => [u.name.toLowerCase(), u])),
    carriesUdfs: def.carriesUdfs || defs.length > 0,
  };
}

function buildEntity(entry: CatalogEntry): EntityDef {
  const overlay = OVERLAYS[entry.name];
  const simulated = overlay !== undefined;
  const spec = overlay ?? {};
  const fields: FieldDef[] = [];
  let carriesUdfs = false;
  for (const [name, type] of Object.entries(entry.fields)) {
    if (type === "udfs") {
      carriesUdfs = true;
      continue;
    }
    const dataType = CATALOG_TYPES[type];
    if (dataType) fields.push(buildField(name, dataType, spec));
  }
  for (const [name, dataType] of Object.entries(spec.extraFields ?? {})) {
    if (!fields.some((f) => f.name === name)) fields.push(buildField(name, dataType, spec));
  }
  const udfs = (spec.udfs ?? []).map(udfDef);
  const root = new Set<RootVerb>(entry.root);
  if (PARENT_ONLY.has(entry.name)) {
    root.delete("create");
    root.delete("update");
    root.delete("replace");
  }
  return {
    name: entry.name,
    fields,
    byLower: new Map(fields.map((f) => [f.name.toLowerCase(), f])),
    udfs,
    udfByLower: new Map(udfs.map((u) => [u.name.toLowerCase(), u])),
    carriesUdfs: carriesUdfs || udfs.length > 0,
    simulated,
    root,
    children: entry.children,
    watermarks: spec.watermarks ?? [],
    createStamps: spec.createStamps ?? [],
    queryOmit: new Set(spec.queryOmit ?? []),
  };
}

let entityDefs: Map<string, EntityDef> | null = null;

function defs(): Map<string, EntityDef> {
  if (!entityDefs) {
    entityDefs = new Map();
    for (const entry of CATALOG) entityDefs.set(entry.name.toLowerCase(), buildEntity(entry));
  }
  return entityDefs;
}

/** The definition of an entity by name (any case), or undefined when Autotask has no such entity. */
export function entityDef(name: string): EntityDef | undefined {
  return defs().get(name.toLowerCase());
}

/** Every entity definition, in catalog order. */
export function allEntityDefs(): EntityDef[] {
  return [...defs().values()];
}

/** A picklist value in the `fields` shape: `value` and `parentValue` are strings. */
export function picklistJson(entry: PicklistEntry, index: number): Record<string, unknown> {
  return {
    value: String(entry.value),
    label: entry.label,
    isDefaultValue: entry.isDefaultValue ?? false,
    sortOrder: entry.sortOrder ?? index + 1,
    parentValue: entry.parentValue === undefined ? "" : String(entry.parentValue),
    isActive: entry.isActive ?? true,
    isSystem: entry.isSystem ?? false,
  };
}

/** `GET {Entity}/entityInformation/fields` answer. */
export function fieldsJson(def: EntityDef): { fields: Record<string, unknown>[] } {
  return {
    fields: def.fields.map((f) => ({
      name: f.name,
      dataType: f.dataType,
      length: f.length,
      isRequired: f.isRequired,
      isReadOnly: f.isReadOnly,
      isQueryable: f.isQueryable,
      isReference: f.referenceEntityType !== "",
      referenceEntityType: f.referenceEntityType,
      isPickList: f.picklist !== null,
      picklistValues: f.picklist ? f.picklist.map(picklistJson) : null,
      picklistParentValueField: f.picklistParentValueField,
      isSupportedWebhookField: supportsWebhooks(def.name) && f.name !== "id",
    })),
  };
}

/** `GET {Entity}/entityInformation/userDefinedFields` answer. */
export function udfsJson(def: EntityDef): { fields: Record<string, unknown>[] } {
  return {
    fields: def.udfs.map((u) => ({
      name: u.name,
      label: u.name,
      type: u.dataType,
      length: u.length,
      description: u.description,
      isRequired: u.isRequired,
      isReadOnly: false,
      isQueryable: true,
      isReference: false,
      referenceEntityType: "",
      isPickList: u.picklist !== null,
      picklistValues: u.picklist
        ? u.picklist.map((p, i) => ({
          value: p.value,
          label: p.label,
          isDefaultValue: false,
          sortOrder: i + 1,
          parentValue: "",
          isActive: true,
          isSystem: false,
        }))
        : null,
      picklistParentValueField: "",
      defaultValue: null,
    })),
  };
}

/** Whether a verb is reachable at the root or under a parent. */
function can(def: EntityDef, root: RootVerb, child: "create" | "update" | "delete"): boolean {
  return def.root.has(root) || def.children.some((c) => c.verbs.includes(child));
}

/** `GET {Entity}/entityInformation` answer. */
export function infoJson(def: EntityDef): { info: Record<string, unknown> } {
  const canCreate = can(def, "create", "create");
  const canUpdate = can(def, "update", "update");
  const canDelete = can(def, "delete", "delete");
  const canQuery = def.root.has("query");
  return {
    info: {
      name: def.name,
      canCreate,
      canDelete,
      canQuery,
      canUpdate,
      userAccessForCreate: canCreate ? "All" : "None",
      userAccessForDelete: canDelete ? "All" : "None",
      userAccessForQuery: canQuery ? "All" : "None",
      userAccessForUpdate: canUpdate ? "All" : "None",
      hasUserDefinedFields: def.udfs.length > 0,
      supportsWebhookCallouts: supportsWebhooks(def.name),
    },
  };
}
