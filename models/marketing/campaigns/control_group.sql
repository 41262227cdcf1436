-- This month's control group: the customers of the contact list held back (campaign_assignment,
-- arm 'control'), with the columns of contact_list, ranked the same way. They get no offer this
-- month; the analyst keeps them apart so that the campaign's effect can be measured when the
-- outcome arrives (campaign_results). Not published as a file for marketers.
with

candidates as (
    select * from {{ ref('target_candidates') }}
),

actions as (
    select * from {{ ref('customer_actions') }}
),

assignment as (
    select * from {{ ref('campaign_assignment') }}
),

listed as (
    select candidates.*
    from candidates
    inner join assignment on candidates.customer_id = assignment.customer_id
    where assignment.arm = 'control'
),

ranked as (
    select
        {{ contact_list_columns('listed', 'actions') }}
    from listed
    inner join actions on listed.customer_id = actions.customer_id
)

select * from ranked
