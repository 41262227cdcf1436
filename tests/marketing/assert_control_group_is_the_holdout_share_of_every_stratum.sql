-- Every risk band x action of this month's campaign holds back round(var holdout_share x its
-- customers) as control, and the contact list and the control group together are the
-- assignment, with no customer in both. Returns the strata and customers that break it.
with

assignment as (
    select * from {{ ref('campaign_assignment') }}
),

strata as (
    select
        risk_band,
        action_code,
        count(*) as customers,
        count(*) filter (where arm = 'control') as control_customers
    from assignment
    group by risk_band, action_code
),

wrong_strata as (
    select
        'stratum ' || risk_band || ' x ' || action_code as problem,
        customers,
        control_customers
    from strata
    where control_customers != round({{ var('holdout_share') }} * customers)
),

listed as (
    select
        customer_id,
        'contacted' as arm
    from {{ ref('contact_list') }}
    union all
    select
        customer_id,
        'control' as arm
    from {{ ref('control_group') }}
),

wrong_customers as (
    select
        'customer ' || coalesce(assignment.customer_id, listed.customer_id) as problem,
        1 as customers,
        0 as control_customers
    from assignment
    full outer join listed
        on assignment.customer_id = listed.customer_id and assignment.arm = listed.arm
    where assignment.customer_id is null or listed.customer_id is null
)

select * from wrong_strata
union all
select * from wrong_customers
